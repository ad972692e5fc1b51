/* Reports to the root server (protocol in keel/server.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <keel/abi.h>
#include <keel/server.h>

static unsigned text_pack(const char *text, uint64_t *words)
{
	unsigned n = (unsigned)strlen(text);
	if (n > KEEL_REPORT_TEXT_MAX)
		n = KEEL_REPORT_TEXT_MAX;
	memset(words, 0, (n + 7) / 8 * 8);
	memcpy(words, text, n);
	return n;
}

long keel_report(unsigned kind, uint64_t value, const char *fmt, ...)
{
	char text[KEEL_REPORT_TEXT_MAX + 1];
	uint64_t mr[6] = { value, 0, 0, 0, 0, 0 };
	uint64_t info;
	unsigned n;
	long err;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	n = text_pack(text, &keel_ipcbuf()->mr[KEEL_MSG_REG_MRS]);
	mr[1] = n;
	info = keel_msginfo(kind, KEEL_MSG_REG_MRS + (n + 7) / 8);
	err = keel_call(KEEL_SRV_REPORT, &info, mr);
	return err == KEEL_OK ? (long)mr[0] : -err;
}

void keel_report_text(const struct keel_msg *m, char *buf, unsigned size)
{
	uint64_t n = m->mr[1];
	uint64_t have = m->len > KEEL_MSG_REG_MRS ? (m->len - KEEL_MSG_REG_MRS) * 8 : 0;
	if (n > have)
		n = have;
	if (n > size - 1)
		n = size - 1;
	memcpy(buf, &keel_ipcbuf()->mr[KEEL_MSG_REG_MRS], n);
	buf[n] = 0;
	for (uint64_t i = 0; i < n; i++)
		if (buf[i] < 0x20 || buf[i] > 0x7e)
			buf[i] = '?'; /* a report cannot put control codes on the console */
}
