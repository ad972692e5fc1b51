/* A flattened device tree writer (fdtw.c). Pure: no system calls. */
#ifndef VMM_FDTW_H
#define VMM_FDTW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FDT_MAX_CELLS 16u

struct fdtw {
	uint8_t st[4096];  /* structure block */
	char str[512];     /* strings block */
	size_t st_len, str_len;
	unsigned depth;
	bool bad;          /* something did not fit, or nodes unbalanced */
};

void fdtw_begin(struct fdtw *f);
void fdtw_node(struct fdtw *f, const char *name);
void fdtw_end_node(struct fdtw *f);
void fdtw_prop(struct fdtw *f, const char *name, const void *val, size_t len);
void fdtw_prop_cells(struct fdtw *f, const char *name, const uint32_t *cells, size_t n);
void fdtw_prop_u32(struct fdtw *f, const char *name, uint32_t v);
void fdtw_prop_str(struct fdtw *f, const char *name, const char *s);
/* Write the blob to out; its size, or 0 if it does not fit or went wrong. */
size_t fdtw_finish(struct fdtw *f, uint8_t *out, size_t cap);

#endif /* VMM_FDTW_H */
