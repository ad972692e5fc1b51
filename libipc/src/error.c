/* Status-code names; the table follows enum keel_err in keel/abi.h. */
#include <keel/abi.h>
#include <keel/error.h>

static const char *const err_names[KEEL_E_COUNT] = {
	[KEEL_OK] = "KEEL_OK",
	[KEEL_E_INVALID_CALL] = "KEEL_E_INVALID_CALL",
	[KEEL_E_INVALID_CAP] = "KEEL_E_INVALID_CAP",
	[KEEL_E_WRONG_TYPE] = "KEEL_E_WRONG_TYPE",
	[KEEL_E_NO_RIGHTS] = "KEEL_E_NO_RIGHTS",
	[KEEL_E_INVALID_ARG] = "KEEL_E_INVALID_ARG",
	[KEEL_E_BAD_ADDRESS] = "KEEL_E_BAD_ADDRESS",
	[KEEL_E_BAD_LENGTH] = "KEEL_E_BAD_LENGTH",
	[KEEL_E_NO_MEMORY] = "KEEL_E_NO_MEMORY",
	[KEEL_E_SLOT_IN_USE] = "KEEL_E_SLOT_IN_USE",
	[KEEL_E_MAPPED] = "KEEL_E_MAPPED",
	[KEEL_E_NOT_MAPPED] = "KEEL_E_NOT_MAPPED",
	[KEEL_E_CANCELLED] = "KEEL_E_CANCELLED",
	[KEEL_E_WOULD_BLOCK] = "KEEL_E_WOULD_BLOCK",
	[KEEL_E_BUSY] = "KEEL_E_BUSY",
	[KEEL_E_REVOKE_FIRST] = "KEEL_E_REVOKE_FIRST",
};

const char *keel_err_name(long err)
{
	if (err < 0 || err >= KEEL_E_COUNT || !err_names[err])
		return "KEEL_E_?";
	return err_names[err];
}
