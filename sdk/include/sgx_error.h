/* sgx_status_t: the status codes of the SGX-compatible API, with the Intel
 * SGX SDK's names and numeric values. */
#ifndef _SGX_ERROR_H_
#define _SGX_ERROR_H_

#define SGX_MK_ERROR(x) (0x00000000 | (x))

typedef enum _status_t {
	SGX_SUCCESS = SGX_MK_ERROR(0x0000),

	SGX_ERROR_UNEXPECTED = SGX_MK_ERROR(0x0001),            /* unexpected error */
	SGX_ERROR_INVALID_PARAMETER = SGX_MK_ERROR(0x0002),     /* a parameter is incorrect */
	SGX_ERROR_OUT_OF_MEMORY = SGX_MK_ERROR(0x0003),         /* not enough memory */
	SGX_ERROR_ENCLAVE_LOST = SGX_MK_ERROR(0x0004),          /* enclave lost (e.g. after fork) */
	SGX_ERROR_INVALID_STATE = SGX_MK_ERROR(0x0005),         /* API called in the wrong state */
	SGX_ERROR_FEATURE_NOT_SUPPORTED = SGX_MK_ERROR(0x0008), /* not supported here */
	SGX_PTHREAD_EXIT = SGX_MK_ERROR(0x0009),             /* enclave exited with pthread_exit */
	SGX_ERROR_MEMORY_MAP_FAILURE = SGX_MK_ERROR(0x000a), /* cannot reserve memory */

	SGX_ERROR_INVALID_FUNCTION = SGX_MK_ERROR(0x1001),  /* ECALL/OCALL index is invalid */
	SGX_ERROR_OUT_OF_TCS = SGX_MK_ERROR(0x1003),        /* the enclave is out of TCS */
	SGX_ERROR_ENCLAVE_CRASHED = SGX_MK_ERROR(0x1006),   /* the enclave crashed */
	SGX_ERROR_ECALL_NOT_ALLOWED = SGX_MK_ERROR(0x1007), /* ECALL not allowed now */
	SGX_ERROR_OCALL_NOT_ALLOWED = SGX_MK_ERROR(0x1008), /* OCALL not allowed now */
	SGX_ERROR_STACK_OVERRUN = SGX_MK_ERROR(0x1009),     /* the enclave ran out of stack */

	SGX_ERROR_UNDEFINED_SYMBOL = SGX_MK_ERROR(0x2000),   /* the image has an undefined symbol */
	SGX_ERROR_INVALID_ENCLAVE = SGX_MK_ERROR(0x2001),    /* the enclave image is not correct */
	SGX_ERROR_INVALID_ENCLAVE_ID = SGX_MK_ERROR(0x2002), /* the enclave id is invalid */
	SGX_ERROR_INVALID_SIGNATURE = SGX_MK_ERROR(0x2003),  /* the signature is invalid */
	SGX_ERROR_NDEBUG_ENCLAVE = SGX_MK_ERROR(0x2004),     /* production enclave, debug asked */
	SGX_ERROR_OUT_OF_EPC = SGX_MK_ERROR(0x2005),         /* not enough enclave memory */
	SGX_ERROR_NO_DEVICE = SGX_MK_ERROR(0x2006),          /* cannot open the device */
	SGX_ERROR_MEMORY_MAP_CONFLICT = SGX_MK_ERROR(0x2007), /* page mapping failed (deprecated) */
	SGX_ERROR_INVALID_METADATA = SGX_MK_ERROR(0x2009),    /* the metadata is incorrect */
	SGX_ERROR_DEVICE_BUSY = SGX_MK_ERROR(0x200c),         /* device is busy */
	SGX_ERROR_INVALID_VERSION = SGX_MK_ERROR(0x200d),     /* metadata version mismatch */
	SGX_ERROR_MODE_INCOMPATIBLE = SGX_MK_ERROR(0x200e),   /* enclave mode incompatible */
	SGX_ERROR_ENCLAVE_FILE_ACCESS = SGX_MK_ERROR(0x200f), /* cannot open the enclave file */
	SGX_ERROR_INVALID_MISC = SGX_MK_ERROR(0x2010),        /* MiscSelect/MiscMask incorrect */
	SGX_ERROR_INVALID_LAUNCH_TOKEN = SGX_MK_ERROR(0x2011), /* the launch token is not correct */

	SGX_ERROR_MAC_MISMATCH = SGX_MK_ERROR(0x3001),      /* report / sealed data MAC mismatch */
	SGX_ERROR_INVALID_ATTRIBUTE = SGX_MK_ERROR(0x3002), /* the enclave is not authorized */
	SGX_ERROR_INVALID_CPUSVN = SGX_MK_ERROR(0x3003),    /* CPUSVN beyond the platform's */
	SGX_ERROR_INVALID_ISVSVN = SGX_MK_ERROR(0x3004),    /* ISVSVN greater than the enclave's */
	SGX_ERROR_INVALID_KEYNAME = SGX_MK_ERROR(0x3005),   /* unsupported key name */

	SGX_ERROR_SERVICE_UNAVAILABLE = SGX_MK_ERROR(0x4001), /* service did not respond */
	SGX_ERROR_SERVICE_TIMEOUT = SGX_MK_ERROR(0x4002),     /* request to service timed out */
	SGX_ERROR_AE_INVALID_EPIDBLOB = SGX_MK_ERROR(0x4003), /* EPID blob verification error */
	SGX_ERROR_SERVICE_INVALID_PRIVILEGE = SGX_MK_ERROR(0x4004), /* not authorized to run */
	SGX_ERROR_EPID_MEMBER_REVOKED = SGX_MK_ERROR(0x4005),       /* EPID membership revoked */
	SGX_ERROR_UPDATE_NEEDED = SGX_MK_ERROR(0x4006),             /* platform needs an update */
	SGX_ERROR_NETWORK_FAILURE = SGX_MK_ERROR(0x4007),           /* network or proxy problem */
	SGX_ERROR_AE_SESSION_INVALID = SGX_MK_ERROR(0x4008),        /* session invalid or ended */
	SGX_ERROR_BUSY = SGX_MK_ERROR(0x400a),                      /* service temporarily busy */
	SGX_ERROR_MC_NOT_FOUND = SGX_MK_ERROR(0x400c),              /* monotonic counter missing */
	SGX_ERROR_MC_NO_ACCESS_RIGHT = SGX_MK_ERROR(0x400d),        /* no access to the counter */
	SGX_ERROR_MC_USED_UP = SGX_MK_ERROR(0x400e),                /* counters used up */
	SGX_ERROR_MC_OVER_QUOTA = SGX_MK_ERROR(0x400f),             /* counters over quota */
	SGX_ERROR_KDF_MISMATCH = SGX_MK_ERROR(0x4011),              /* key derivation mismatch */
	SGX_ERROR_UNRECOGNIZED_PLATFORM = SGX_MK_ERROR(0x4012),     /* platform not recognized */
	SGX_ERROR_UNSUPPORTED_CONFIG = SGX_MK_ERROR(0x4013), /* provisioning config invalid */

	SGX_ERROR_NO_PRIVILEGE = SGX_MK_ERROR(0x5002), /* not enough privilege */

	SGX_ERROR_PCL_ENCRYPTED = SGX_MK_ERROR(0x6001),     /* enclave already encrypted */
	SGX_ERROR_PCL_NOT_ENCRYPTED = SGX_MK_ERROR(0x6002), /* plain enclave, encrypted expected */
	SGX_ERROR_PCL_MAC_MISMATCH = SGX_MK_ERROR(0x6003),  /* section MAC mismatch */
	SGX_ERROR_PCL_SHA_MISMATCH = SGX_MK_ERROR(0x6004),  /* unsealed key MAC mismatch */
	SGX_ERROR_PCL_GUID_MISMATCH = SGX_MK_ERROR(0x6005), /* sealed blob GUID mismatch */

	SGX_ERROR_FILE_BAD_STATUS = SGX_MK_ERROR(0x7001),               /* file in bad status */
	SGX_ERROR_FILE_NO_KEY_ID = SGX_MK_ERROR(0x7002),                /* key id is all zeros */
	SGX_ERROR_FILE_NAME_MISMATCH = SGX_MK_ERROR(0x7003),            /* file name changed */
	SGX_ERROR_FILE_NOT_SGX_FILE = SGX_MK_ERROR(0x7004),             /* not a protected file */
	SGX_ERROR_FILE_CANT_OPEN_RECOVERY_FILE = SGX_MK_ERROR(0x7005),  /* recovery file open */
	SGX_ERROR_FILE_CANT_WRITE_RECOVERY_FILE = SGX_MK_ERROR(0x7006), /* recovery file write */
	SGX_ERROR_FILE_RECOVERY_NEEDED = SGX_MK_ERROR(0x7007),          /* recovery failed */
	SGX_ERROR_FILE_FLUSH_FAILED = SGX_MK_ERROR(0x7008),             /* fflush failed */
	SGX_ERROR_FILE_CLOSE_FAILED = SGX_MK_ERROR(0x7009),             /* fclose failed */

	SGX_ERROR_UNSUPPORTED_ATT_KEY_ID = SGX_MK_ERROR(0x8001),        /* key not supported */
	SGX_ERROR_ATT_KEY_CERTIFICATION_FAILURE = SGX_MK_ERROR(0x8002), /* key certification */
	SGX_ERROR_ATT_KEY_UNINITIALIZED = SGX_MK_ERROR(0x8003),         /* no attestation key */
	SGX_ERROR_INVALID_ATT_KEY_CERT_DATA = SGX_MK_ERROR(0x8004),     /* bad cert data */
	SGX_ERROR_PLATFORM_CERT_UNAVAILABLE = SGX_MK_ERROR(0x8005),     /* no platform cert */

	SGX_ERROR_TLS_X509_INVALID_EXTENSION = SGX_MK_ERROR(0x9001), /* RA-TLS bad extension */
	SGX_INTERNAL_ERROR_ENCLAVE_CREATE_INTERRUPTED = SGX_MK_ERROR(0xF001), /* EINTR in create */
} sgx_status_t;

#endif
