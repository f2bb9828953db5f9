/*
 * de_sign: sgx_sign-compatible enclave signing tool (also installed as
 * sgx_sign). Commands: sign, gendata, catsig, dump, and the DE extension
 * verify. See docs/signing.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dump.h"
#include "fileio.h"
#include "job.h"
#include "ossl.h"

#ifndef DE_SIGN_VERSION
#define DE_SIGN_VERSION "0.1.0"
#endif

enum opt {
	O_ENCLAVE,
	O_CONFIG,
	O_KEY,
	O_OUT,
	O_SIG,
	O_UNSIGNED,
	O_DUMPFILE,
	O_CSSFILE,
	O_DEBUG,
	O_COUNT
};

#define BIT(o) (1u << (o))

static const char *const opt_names[O_COUNT] = {
    "-enclave", "-config", "-key", "-out", "-sig", "-unsigned", "-dumpfile", "-cssfile", "-debug",
};

struct command {
	const char *name;
	unsigned required;
	unsigned optional;
	int (*run)(const char *const opt[O_COUNT]);
};

static const char usage[] =
    "Usage: de_sign <command> [options]    (also installed as sgx_sign)\n"
    "Commands:\n"
    "   sign      -enclave E -key K.pem -out O [-config X] [-dumpfile F] [-cssfile C]\n"
    "             sign the enclave with a private key\n"
    "   gendata   -enclave E -out D [-config X]\n"
    "             write the 256 bytes to sign (SIGSTRUCT header||body), e.g. for an HSM:\n"
    "             openssl dgst -sha256 -sign key.pem -out S D\n"
    "   catsig    -enclave E -key PUB.pem -sig S -unsigned D -out O [-config X]\n"
    "             [-dumpfile F] [-cssfile C]\n"
    "             build the signed enclave from the signature S of the gendata output D\n"
    "   dump      -enclave E -dumpfile F [-cssfile C]\n"
    "             print MRENCLAVE, MRSIGNER, attributes, ISV fields and the layout\n"
    "   verify    -enclave E [-debug]\n"
    "             (DE) verify a signed enclave as the loader does; -debug checks a debug launch\n"
    "   -help, -version\n"
    "Keys are RSA-3072 with public exponent 3: openssl genrsa -3 -out key.pem 3072\n"
    "The SIGSTRUCT date is SOURCE_DATE_EPOCH (UTC) if set, else 1970-01-01.\n"
    "-ignore-rel-error is accepted and ignored (enclaves relocate themselves).\n";

static int write_css(const char *path, const struct de_sigstruct *ss)
{
	return de_write_file(path, ss, sizeof(*ss), 0644);
}

/* Parse, verify and dump a signed file held in memory. */
static int dump_buffer(const char *name, const uint8_t *file, size_t size, const char *dumpfile,
                       const char *cssfile)
{
	struct de_enclave *enc = malloc(sizeof(*enc));
	struct de_enclave *venc = malloc(sizeof(*venc));
	struct de_ossl_sha256 sha = {0};
	struct de_verify_result res;
	struct de_diag diag;
	uint8_t mrsigner[32];
	char verdict[512];
	enum de_err err;
	FILE *f = NULL;
	int ret = 1;

	if (enc == NULL || venc == NULL || !de_ossl_sha256_open(&sha))
		goto out;
	err = de_enclave_parse(enc, file, size, 0, &diag);
	if (err != DE_OK) {
		fprintf(stderr, "de_sign: %s: %s (%s, 0x%04x) at offset 0x%llx\n", name,
		        de_reason_text(diag.reason), de_err_name(err), de_err_to_sgx(err),
		        (unsigned long long)diag.where);
		goto out;
	}
	de_mrsigner(&enc->sigstruct, &de_ossl_sha256_ops, &sha, mrsigner);
	err = de_host_verify(file, size, 0, 0, venc, &res, &diag);
	if (err == DE_OK)
		snprintf(verdict, sizeof(verdict), "OK");
	else
		snprintf(verdict, sizeof(verdict), "FAILED: %s (%s)", de_reason_text(diag.reason),
		         de_err_name(err));

	f = fopen(dumpfile, "w");
	if (f == NULL) {
		fprintf(stderr, "de_sign: cannot create the dump file \"%s\"\n", dumpfile);
		goto out;
	}
	de_dump_enclave(f, enc, mrsigner, verdict);
	if (fclose(f) != 0) {
		f = NULL;
		fprintf(stderr, "de_sign: cannot write the dump file \"%s\"\n", dumpfile);
		goto out;
	}
	f = NULL;
	if (cssfile != NULL && write_css(cssfile, &enc->sigstruct) != 0)
		goto out;
	ret = 0;
out:
	de_ossl_sha256_close(&sha);
	free(enc);
	free(venc);
	return ret;
}

static int write_outputs(struct de_sign_job *job, const char *const opt[O_COUNT])
{
	if (de_write_file(opt[O_OUT], job->out, job->out_size, job->mode) != 0)
		return 1;
	if (opt[O_DUMPFILE] != NULL || opt[O_CSSFILE] != NULL) {
		const char *dumpfile = opt[O_DUMPFILE];
		if (dumpfile != NULL)
			return dump_buffer(opt[O_OUT], job->out, job->out_size, dumpfile,
			                   opt[O_CSSFILE]);
		return write_css(opt[O_CSSFILE], &job->ss) != 0;
	}
	return 0;
}

static int cmd_sign(const char *const opt[O_COUNT])
{
	struct de_sign_job job = {0};
	uint8_t data[DE_SIGNED_DATA_SIZE], modulus[DE_RSA_KEY_BYTES], sig[DE_RSA_KEY_BYTES];
	EVP_PKEY *key = NULL;
	char why[1024];
	uint32_t date;
	int ret = 1;

	key = de_key_load(opt[O_KEY], 1, why, sizeof(why));
	if (key == NULL) {
		fprintf(stderr, "de_sign: %s\n", why);
		return 1;
	}
	if (de_sign_date(&date) != 0 || de_job_prepare(&job, opt[O_ENCLAVE], opt[O_CONFIG], date))
		goto out;
	if (!de_key_modulus_le(key, modulus)) {
		fprintf(stderr, "de_sign: %s: cannot read the RSA modulus\n", opt[O_KEY]);
		goto out;
	}
	memcpy(job.ss.modulus, modulus, sizeof(modulus));
	de_sigstruct_signed_data(&job.ss, data);
	if (!de_rsa_sign(key, data, sizeof(data), sig)) {
		fprintf(stderr, "de_sign: %s: RSA signing failed\n", opt[O_KEY]);
		goto out;
	}
	if (de_job_finish(&job, modulus, sig) != 0)
		goto out;
	ret = write_outputs(&job, opt);
out:
	EVP_PKEY_free(key);
	de_job_free(&job);
	return ret;
}

static int cmd_gendata(const char *const opt[O_COUNT])
{
	struct de_sign_job job = {0};
	uint8_t data[DE_SIGNED_DATA_SIZE];
	uint32_t date;
	int ret = 1;

	if (de_sign_date(&date) != 0 || de_job_prepare(&job, opt[O_ENCLAVE], opt[O_CONFIG], date))
		goto out;
	de_sigstruct_signed_data(&job.ss, data);
	ret = de_write_file(opt[O_OUT], data, sizeof(data), 0644) != 0;
out:
	de_job_free(&job);
	return ret;
}

static int cmd_catsig(const char *const opt[O_COUNT])
{
	struct de_sign_job job = {0};
	uint8_t data[DE_SIGNED_DATA_SIZE], modulus[DE_RSA_KEY_BYTES];
	uint8_t *unsigned_data = NULL, *sig = NULL;
	size_t unsigned_size = 0, sig_size = 0;
	EVP_PKEY *key = NULL;
	char why[1024];
	uint32_t date;
	int ret = 1;

	key = de_key_load(opt[O_KEY], 0, why, sizeof(why));
	if (key == NULL) {
		fprintf(stderr, "de_sign: %s\n", why);
		return 1;
	}
	if (de_read_file(opt[O_UNSIGNED], 4096, &unsigned_data, &unsigned_size) != 0 ||
	    de_read_file(opt[O_SIG], 4096, &sig, &sig_size) != 0)
		goto out;
	if (unsigned_size != DE_SIGNED_DATA_SIZE) {
		fprintf(stderr,
		        "de_sign: %s: the signing material must be the %u bytes written by "
		        "\"gendata\", not %zu bytes\n",
		        opt[O_UNSIGNED], DE_SIGNED_DATA_SIZE, unsigned_size);
		goto out;
	}
	if (sig_size != DE_RSA_KEY_BYTES) {
		fprintf(
		    stderr,
		    "de_sign: %s: the signature must be %u bytes (RSA-3072, raw, as written "
		    "by \"openssl dgst -sha256 -sign key.pem -out sig.bin data.bin\"), not %zu\n",
		    opt[O_SIG], DE_RSA_KEY_BYTES, sig_size);
		goto out;
	}
	if (de_sign_date(&date) != 0 || de_job_prepare(&job, opt[O_ENCLAVE], opt[O_CONFIG], date))
		goto out;
	/* As sgx_sign does, take the date from the signing material. */
	memcpy(&job.ss.date, unsigned_data + DE_SS_OFF_DATE, sizeof(job.ss.date));
	de_sigstruct_signed_data(&job.ss, data);
	if (memcmp(data, unsigned_data, sizeof(data)) != 0) {
		fprintf(
		    stderr,
		    "de_sign: %s does not match this enclave and configuration; run \"gendata\" "
		    "again with the same -enclave and -config\n",
		    opt[O_UNSIGNED]);
		goto out;
	}
	if (!de_key_modulus_le(key, modulus)) {
		fprintf(stderr, "de_sign: %s: cannot read the RSA modulus\n", opt[O_KEY]);
		goto out;
	}
	if (de_job_finish(&job, modulus, sig) != 0)
		goto out;
	ret = write_outputs(&job, opt);
out:
	EVP_PKEY_free(key);
	free(unsigned_data);
	free(sig);
	de_job_free(&job);
	return ret;
}

static int cmd_dump(const char *const opt[O_COUNT])
{
	uint8_t *file = NULL;
	size_t size = 0;
	int ret = 1;

	if (de_read_file(opt[O_ENCLAVE], DE_ENCLAVE_FILE_MAX, &file, &size) != 0)
		return 1;
	ret = dump_buffer(opt[O_ENCLAVE], file, size, opt[O_DUMPFILE], opt[O_CSSFILE]);
	free(file);
	return ret;
}

static void print_hex(const char *label, const uint8_t *a, size_t n)
{
	printf("%s", label);
	for (size_t i = 0; i < n; i++)
		printf("%02x", a[i]);
	printf("\n");
}

static int cmd_verify(const char *const opt[O_COUNT])
{
	struct de_enclave *enc = malloc(sizeof(*enc));
	struct de_verify_result res;
	struct de_diag diag;
	uint8_t *file = NULL;
	size_t size = 0;
	enum de_err err;
	int ret = 1;

	if (enc == NULL || de_read_file(opt[O_ENCLAVE], DE_ENCLAVE_FILE_MAX, &file, &size) != 0)
		goto out;
	err = de_host_verify(file, size, 0, opt[O_DEBUG] != NULL, enc, &res, &diag);
	if (err != DE_OK) {
		printf("%s 0x%04x\n", de_err_name(err), de_err_to_sgx(err));
		fprintf(stderr, "de_sign: %s: %s (at offset 0x%llx)\n", opt[O_ENCLAVE],
		        de_reason_text(diag.reason), (unsigned long long)diag.where);
		ret = 2;
		goto out;
	}
	printf("OK\n");
	print_hex("mrenclave: ", res.mrenclave, sizeof(res.mrenclave));
	print_hex("mrsigner: ", res.mrsigner, sizeof(res.mrsigner));
	ret = 0;
out:
	free(file);
	free(enc);
	return ret;
}

static const struct command commands[] = {
    {"sign", BIT(O_ENCLAVE) | BIT(O_KEY) | BIT(O_OUT),
     BIT(O_CONFIG) | BIT(O_DUMPFILE) | BIT(O_CSSFILE), cmd_sign},
    {"gendata", BIT(O_ENCLAVE) | BIT(O_OUT), BIT(O_CONFIG), cmd_gendata},
    {"catsig", BIT(O_ENCLAVE) | BIT(O_KEY) | BIT(O_OUT) | BIT(O_SIG) | BIT(O_UNSIGNED),
     BIT(O_CONFIG) | BIT(O_DUMPFILE) | BIT(O_CSSFILE), cmd_catsig},
    {"dump", BIT(O_ENCLAVE) | BIT(O_DUMPFILE), BIT(O_CSSFILE), cmd_dump},
    {"verify", BIT(O_ENCLAVE), BIT(O_DEBUG), cmd_verify},
};

static int find_opt(const char *arg)
{
	for (int i = 0; i < O_COUNT; i++)
		if (strcmp(arg, opt_names[i]) == 0)
			return i;
	return -1;
}

static int parse_args(const struct command *cmd, int argc, char **argv, const char *opt[O_COUNT])
{
	for (int i = 2; i < argc; i++) {
		int o;

		if (strcmp(argv[i], "-ignore-rel-error") == 0)
			continue;
		o = find_opt(argv[i]);
		if (o < 0) {
			fprintf(stderr, "de_sign: unknown option \"%s\"\n", argv[i]);
			return -1;
		}
		if (!((cmd->required | cmd->optional) & BIT(o))) {
			fprintf(stderr,
			        "de_sign: option \"%s\" is invalid for the command \"%s\"\n",
			        argv[i], cmd->name);
			return -1;
		}
		if (opt[o] != NULL) {
			fprintf(stderr, "de_sign: option \"%s\" is given more than once\n",
			        argv[i]);
			return -1;
		}
		if (o == O_DEBUG) {
			opt[o] = "";
			continue;
		}
		if (i + 1 >= argc || argv[i + 1][0] == '\0') {
			fprintf(stderr, "de_sign: option \"%s\" needs a file name\n", argv[i]);
			return -1;
		}
		opt[o] = argv[++i];
	}
	for (int o = 0; o < O_COUNT; o++) {
		if ((cmd->required & BIT(o)) && opt[o] == NULL) {
			fprintf(stderr,
			        "de_sign: option \"%s\" is required for the command \"%s\"\n",
			        opt_names[o], cmd->name);
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *opt[O_COUNT] = {0};

	if (argc == 2 && (strcmp(argv[1], "-help") == 0 || strcmp(argv[1], "--help") == 0)) {
		fputs(usage, stdout);
		return 0;
	}
	if (argc == 2 && (strcmp(argv[1], "-version") == 0 || strcmp(argv[1], "--version") == 0)) {
		printf("de_sign (DE Enclave) %s, sgx_sign compatible; SIGSTRUCT format %u bytes, "
		       "metadata v%u, measurement v%u\n",
		       DE_SIGN_VERSION, DE_SIGSTRUCT_SIZE, DE_META_VERSION, DE_MEASURE_VERSION);
		return 0;
	}
	if (argc < 2) {
		fprintf(stderr, "de_sign: a command is required\n%s", usage);
		return 1;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name) != 0)
			continue;
		if (parse_args(&commands[i], argc, argv, opt) != 0) {
			fputs(usage, stderr);
			return 1;
		}
		if (commands[i].run(opt) != 0)
			return 1;
		printf("Succeed.\n");
		return 0;
	}
	fprintf(stderr, "de_sign: unknown command \"%s\"; use sign, gendata, catsig or dump\n%s",
	        argv[1], usage);
	return 1;
}
