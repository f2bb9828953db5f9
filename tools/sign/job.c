/* The signing pipeline: check, lay out, measure, fill SIGSTRUCT, verify. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fileio.h"
#include "job.h"
#include "ossl.h"
#include "signed_file.h"

int de_sign_date(uint32_t *date)
{
	const char *env = getenv("SOURCE_DATE_EPOCH");
	unsigned long long t = 0;
	unsigned y, m, d;
	char *end = NULL;

	if (env != NULL && *env != '\0') {
		errno = 0;
		t = strtoull(env, &end, 10);
		if (errno != 0 || *end != '\0' || env[0] == '-' || t > 253402300799ull) {
			fprintf(
			    stderr,
			    "de_sign: SOURCE_DATE_EPOCH=\"%s\" is not a Unix time in seconds "
			    "(e.g. SOURCE_DATE_EPOCH=$(git log -1 --format=%%ct)); unset it to use "
			    "the fixed date 1970-01-01\n",
			    env);
			return -1;
		}
	}
	de_civil_from_unix(t, &y, &m, &d);
	*date = de_sigstruct_date_bcd(y, m, d);
	return 0;
}

static void report(const char *path, enum de_err err, const struct de_diag *diag)
{
	fprintf(stderr, "de_sign: %s: %s (%s, 0x%04x) at offset 0x%llx\n", path,
	        de_reason_text(diag->reason), de_err_name(err), de_err_to_sgx(err),
	        (unsigned long long)diag->where);
}

int de_job_prepare(struct de_sign_job *job, const char *enclave, const char *config, uint32_t date)
{
	struct de_sign_config cfg;
	struct de_layout_params p;
	struct de_sigstruct_params sp;
	struct de_ossl_sha256 sha = {0};
	struct de_elf in_elf, out_elf;
	struct de_diag diag;
	uint64_t enclave_size, off, sz;
	uint8_t *in = NULL;
	size_t in_size = 0;
	uint8_t page[DE_PAGE_SIZE];
	char why[256];
	enum de_err err;
	int ret = -1;

	memset(job, 0, sizeof(*job));
	de_config_defaults(&cfg);
	if (config != NULL && de_config_load(config, &cfg, stderr) != 0)
		return -1;
	de_config_layout_params(&cfg, &p);

	if (de_read_file(enclave, DE_ENCLAVE_FILE_MAX, &in, &in_size) != 0)
		goto out;
	job->mode = de_file_mode(enclave);
	err = de_elf_parse(&in_elf, in, in_size, &diag);
	if (err != DE_OK) {
		report(enclave, err, &diag);
		goto out;
	}
	switch (de_elf_find_section(&in_elf, DE_META_SECTION_NAME, &off, &sz, NULL)) {
	case 0:
		break;
	case 1:
		fprintf(stderr, "de_sign: %s: %s\n", enclave, de_reason_text(DE_R_ALREADY_SIGNED));
		goto out;
	default:
		fprintf(stderr,
		        "de_sign: %s: the section header table or section names are malformed; "
		        "relink the enclave\n",
		        enclave);
		goto out;
	}
	err = de_layout_check(&p, in_elf.image_size, &enclave_size, &diag);
	if (err != DE_OK) {
		fprintf(stderr, "de_sign: %s: %s\n", config ? config : "default configuration",
		        de_reason_text(diag.reason));
		goto out;
	}

	de_meta_header_init(&job->hdr, &p, in_elf.entry, in_elf.image_size, enclave_size);
	if (de_sf_build(&in_elf, job->hdr.total_size, &job->out, &job->out_size, &job->meta_offset,
	                why, sizeof(why)) != 0) {
		fprintf(stderr, "de_sign: %s: %s\n", enclave, why);
		goto out;
	}
	/* Measure the file as it will be loaded: its ELF header now has the new section table. */
	err = de_elf_parse(&out_elf, job->out, job->out_size, &diag);
	if (err != DE_OK || out_elf.image_size != in_elf.image_size) {
		fprintf(stderr, "de_sign: internal error: the signed layout does not parse\n");
		goto out;
	}
	memcpy(job->out + job->meta_offset, &job->hdr, sizeof(job->hdr));
	for (uint32_t i = 0; i < job->hdr.layout_count; i++) {
		struct de_layout_entry e;
		de_layout_entry_at(&p, job->hdr.image_size, i, &e);
		memcpy(job->out + job->meta_offset + job->hdr.layout_offset +
		           (uint64_t)i * DE_LAYOUT_ENTRY_SIZE,
		       &e, sizeof(e));
	}

	memset(&sp, 0, sizeof(sp));
	if (!de_ossl_sha256_open(&sha))
		goto out;
	err = de_measure_enclave(&out_elf, &job->hdr, &de_ossl_sha256_ops, &sha, page,
	                         sp.enclave_hash);
	if (err != DE_OK || sha.failed) {
		fprintf(stderr, "de_sign: internal error: measuring the enclave failed\n");
		goto out;
	}
	sp.date = date;
	sp.isv_prod_id = cfg.prod_id;
	sp.isv_svn = cfg.isv_svn;
	sp.misc_select = cfg.misc_select;
	sp.misc_mask = cfg.misc_mask;
	sp.disable_debug = cfg.disable_debug;
	de_sigstruct_init(&job->ss, &sp);
	ret = 0;
out:
	de_ossl_sha256_close(&sha);
	free(in);
	if (ret != 0)
		de_job_free(job);
	return ret;
}

int de_job_finish(struct de_sign_job *job, const uint8_t modulus_le[DE_RSA_KEY_BYTES],
                  const uint8_t sig_be[DE_RSA_KEY_BYTES])
{
	struct de_enclave *enc = malloc(sizeof(*enc));
	struct de_verify_result res;
	struct de_diag diag;
	enum de_err err;
	int ret = -1;

	if (enc == NULL)
		return -1;
	memcpy(job->ss.modulus, modulus_le, DE_RSA_KEY_BYTES);
	de_bytes_reverse(job->ss.signature, sig_be, DE_RSA_KEY_BYTES);
	if (!de_sigstruct_fill_q(&job->ss)) {
		fprintf(stderr, "de_sign: cannot compute q1/q2 (OpenSSL error)\n");
		goto out;
	}
	memcpy(job->out + job->meta_offset + job->hdr.sigstruct_offset, &job->ss, sizeof(job->ss));

	err = de_host_verify(job->out, job->out_size, 0, 0, enc, &res, &diag);
	if (err != DE_OK) {
		fprintf(stderr, "de_sign: the signed enclave does not verify: %s (%s)\n",
		        de_reason_text(diag.reason), de_err_name(err));
		if (diag.reason == DE_R_SS_RSA)
			fprintf(stderr, "de_sign: the signature does not match the key or the "
			                "signing material; sign the file made by \"gendata\" with "
			                "the private key of the public key given to catsig\n");
		goto out;
	}
	ret = 0;
out:
	free(enc);
	return ret;
}

void de_job_free(struct de_sign_job *job)
{
	free(job->out);
	job->out = NULL;
	job->out_size = 0;
}
