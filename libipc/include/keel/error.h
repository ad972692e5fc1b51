/* keel/error.h — names for status codes, for logs and test messages. */
#ifndef KEEL_ERROR_H
#define KEEL_ERROR_H

/* "KEEL_OK", "KEEL_E_INVALID_CAP", ...; "KEEL_E_?" for an unknown code. */
const char *keel_err_name(long err);

#endif /* KEEL_ERROR_H */
