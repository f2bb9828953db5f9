/* Error codes, their SGX equivalents and the human sentences behind reasons. */
#include "de/enclave_meta.h"

static const struct {
	uint32_t sgx;
	const char *name;
} err_table[] = {
    [DE_OK] = {DE_SGX_SUCCESS, "SGX_SUCCESS"},
    [DE_ERR_INVALID_ENCLAVE] = {DE_SGX_ERROR_INVALID_ENCLAVE, "SGX_ERROR_INVALID_ENCLAVE"},
    [DE_ERR_INVALID_SIGNATURE] = {DE_SGX_ERROR_INVALID_SIGNATURE, "SGX_ERROR_INVALID_SIGNATURE"},
    [DE_ERR_INVALID_METADATA] = {DE_SGX_ERROR_INVALID_METADATA, "SGX_ERROR_INVALID_METADATA"},
    [DE_ERR_NDEBUG_ENCLAVE] = {DE_SGX_ERROR_NDEBUG_ENCLAVE, "SGX_ERROR_NDEBUG_ENCLAVE"},
    [DE_ERR_OUT_OF_EPC] = {DE_SGX_ERROR_OUT_OF_EPC, "SGX_ERROR_OUT_OF_EPC"},
};

uint32_t de_err_to_sgx(enum de_err err)
{
	if ((unsigned)err >= sizeof(err_table) / sizeof(err_table[0]))
		return DE_SGX_ERROR_UNEXPECTED;
	return err_table[err].sgx;
}

const char *de_err_name(enum de_err err)
{
	if ((unsigned)err >= sizeof(err_table) / sizeof(err_table[0]))
		return "SGX_ERROR_UNEXPECTED";
	return err_table[err].name;
}

const char *de_sgx_name(uint32_t sgx)
{
	for (unsigned i = 0; i < sizeof(err_table) / sizeof(err_table[0]); i++)
		if (err_table[i].sgx == sgx)
			return err_table[i].name;
	return "SGX_ERROR_UNEXPECTED";
}

static const char *const reason_text[DE_R_COUNT] = {
    [DE_R_NONE] = "no error",
    [DE_R_FILE_TOO_SMALL] = "the file is too small to be an ELF64 enclave (truncated?)",
    [DE_R_FILE_TOO_LARGE] = "the file is larger than the 1 GiB an enclave file may have",
    [DE_R_ELF_MAGIC] = "the file is not an ELF file",
    [DE_R_ELF_CLASS] = "the ELF file is not 64-bit little-endian (build the enclave for x86-64)",
    [DE_R_ELF_TYPE] =
        "the ELF file is not position independent (link the enclave with -static-pie)",
    [DE_R_ELF_MACHINE] = "the ELF file is not for x86-64",
    [DE_R_ELF_PHDR_RANGE] = "the ELF program header table is malformed or outside the file",
    [DE_R_ELF_INTERP] = "the ELF file asks for a dynamic loader (PT_INTERP); link with -static-pie "
                        "and no interpreter",
    [DE_R_ELF_NO_LOAD] = "the ELF file has no PT_LOAD segment",
    [DE_R_ELF_TOO_MANY_LOADS] = "the ELF file has more than 16 PT_LOAD segments",
    [DE_R_ELF_LOAD_RANGE] =
        "a PT_LOAD segment lies outside the file or beyond the enclave address limit",
    [DE_R_ELF_LOAD_ALIGN] =
        "a PT_LOAD segment's file offset and address are not congruent modulo 4096",
    [DE_R_ELF_LOAD_ORDER] =
        "PT_LOAD segments overlap or are not in ascending address order (pages may not be shared)",
    [DE_R_ELF_WX] = "a PT_LOAD segment is both writable and executable (W^X is enforced)",
    [DE_R_ELF_ENTRY] = "the ELF entry point is not inside an executable segment",
    [DE_R_ELF_SHDR_RANGE] = "the ELF section header table is malformed or outside the file",
    [DE_R_ELF_TRAILING_DATA] =
        "the file has data after its section header table (oversized or appended file)",
    [DE_R_MEASUREMENT_MISMATCH] = "the enclave's measurement (MRENCLAVE) differs from the one that "
                                  "was signed: the file was modified after signing",
    [DE_R_META_MISSING] =
        "the enclave has no .de_metadata section: sign it with de_sign (sgx_sign) first",
    [DE_R_META_DUPLICATE] =
        "the enclave has more than one .de_metadata section, or malformed section names",
    [DE_R_META_SECTION] = "the .de_metadata section has the wrong type, flags, alignment or size",
    [DE_R_META_OVERLAP] = "the .de_metadata section overlaps loaded segments or ELF headers",
    [DE_R_META_MAGIC] = "the metadata magic number is wrong",
    [DE_R_META_VERSION] =
        "the metadata version is not supported by this loader: re-sign with a matching de_sign",
    [DE_R_META_SIZES] = "the metadata sizes or offsets are inconsistent",
    [DE_R_META_RESERVED] = "a reserved metadata field is not zero",
    [DE_R_META_PARAMS] = "the metadata heap/stack/TCS parameters are out of range or inconsistent",
    [DE_R_META_IMAGE] = "the metadata image size or entry point does not match the ELF",
    [DE_R_META_LAYOUT] =
        "the metadata layout table does not match the canonical layout for its parameters",
    [DE_R_ALREADY_SIGNED] =
        "the enclave is already signed (it has a .de_metadata section): sign the unsigned file",
    [DE_R_SS_HEADER] = "the SIGSTRUCT header constants, type, vendor or hardware version are wrong",
    [DE_R_SS_RESERVED] = "a reserved SIGSTRUCT field is not zero",
    [DE_R_SS_EXPONENT] = "the SIGSTRUCT RSA exponent is not 3",
    [DE_R_SS_MODULUS] = "the SIGSTRUCT modulus is not a 3072-bit number",
    [DE_R_SS_Q] = "the SIGSTRUCT q1/q2 values do not match the signature and modulus",
    [DE_R_SS_RSA] = "the RSA signature over the SIGSTRUCT header and body is not valid for its key",
    [DE_R_SS_ATTRIBUTES] = "the SIGSTRUCT attributes do not require 64-bit mode",
    [DE_R_DEBUG_REFUSED] =
        "the enclave was signed with DisableDebug=1 and cannot be launched in debug mode",
    [DE_R_TOO_BIG] =
        "the enclave needs more memory than allowed: reduce TCSNum, HeapMaxSize or StackMaxSize",
};

const char *de_reason_text(enum de_reason reason)
{
	if ((unsigned)reason >= DE_R_COUNT || reason_text[reason] == NULL)
		return "unknown reason";
	return reason_text[reason];
}
