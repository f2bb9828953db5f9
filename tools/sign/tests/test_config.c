/*
 * Enclave.config.xml parser: SGX defaults, every setting, limits, elements
 * accepted with a warning, and refusals that name file, line and reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"

struct result {
	int ret;
	struct de_sign_config cfg;
	char msgs[4096];
};

static void parse(const char *xml, struct result *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	de_config_defaults(&r->cfg);
	r->ret = de_config_parse("Enclave.config.xml", xml, strlen(xml), &r->cfg, f);
	fclose(f);
	snprintf(r->msgs, sizeof(r->msgs), "%s", buf ? buf : "");
	free(buf);
}

static void expect_error(const char *xml, const char *where, const char *what)
{
	struct result r;

	parse(xml, &r);
	if (r.ret == 0 || strstr(r.msgs, where) == NULL || strstr(r.msgs, what) == NULL)
		fail_msg("expected refusal at \"%s\" with \"%s\"; got ret %d, messages: %s", where,
		         what, r.ret, r.msgs);
}

static void defaults(void **state)
{
	struct result r;

	(void)state;
	parse("<EnclaveConfiguration></EnclaveConfiguration>", &r);
	assert_int_equal(r.ret, 0);
	assert_int_equal(r.cfg.tcs_num, 1);
	assert_int_equal(r.cfg.tcs_policy, 1);
	assert_int_equal(r.cfg.stack_max_size, 0x40000);
	assert_int_equal(r.cfg.stack_min_size, 0x2000);
	assert_int_equal(r.cfg.heap_max_size, 0x100000);
	assert_int_equal(r.cfg.heap_min_size, 0x1000);
	assert_int_equal(r.cfg.heap_init_size, 0x100000); /* HeapInitSize defaults to HeapMaxSize */
	assert_int_equal(r.cfg.misc_select, 0);
	assert_int_equal(r.cfg.misc_mask, 0xFFFFFFFF);
	assert_int_equal(r.cfg.disable_debug, 0);
	assert_int_equal(r.cfg.prod_id, 0);
	assert_int_equal(r.cfg.isv_svn, 0);
}

static void all_settings(void **state)
{
	struct result r;

	(void)state;
	parse("<?xml version=\"1.0\"?>\n"
	      "<!-- comment -->\n"
	      "<EnclaveConfiguration>\n"
	      "  <ProdID>0xFFFF</ProdID>\n"
	      "  <ISVSVN> 42 </ISVSVN>\n"
	      "  <TCSNum>16</TCSNum>\n"
	      "  <TCSPolicy>0</TCSPolicy>\n"
	      "  <StackMaxSize>0x80000</StackMaxSize>\n"
	      "  <StackMinSize>0x4000</StackMinSize>\n"
	      "  <HeapMaxSize>0x200000</HeapMaxSize>\n"
	      "  <HeapInitSize>0x100000</HeapInitSize>\n"
	      "  <HeapMinSize>0x2000</HeapMinSize>\n"
	      "  <DisableDebug>1</DisableDebug>\n"
	      "  <MiscSelect>1</MiscSelect>\n"
	      "  <MiscMask>0xFFFFFFFE</MiscMask>\n"
	      "</EnclaveConfiguration>\n",
	      &r);
	assert_int_equal(r.ret, 0);
	assert_int_equal(r.cfg.prod_id, 0xFFFF);
	assert_int_equal(r.cfg.isv_svn, 42);
	assert_int_equal(r.cfg.tcs_num, 16);
	assert_int_equal(r.cfg.tcs_policy, 0);
	assert_int_equal(r.cfg.stack_max_size, 0x80000);
	assert_int_equal(r.cfg.stack_min_size, 0x4000);
	assert_int_equal(r.cfg.heap_max_size, 0x200000);
	assert_int_equal(r.cfg.heap_init_size, 0x100000);
	assert_int_equal(r.cfg.heap_min_size, 0x2000);
	assert_int_equal(r.cfg.disable_debug, 1);
	assert_int_equal(r.cfg.misc_select, 1);
	assert_int_equal(r.cfg.misc_mask, 0xFFFFFFFE);
	assert_int_equal(r.cfg.warnings, 0);
}

static void ignored_with_warning(void **state)
{
	struct result r;

	(void)state;
	parse("<EnclaveConfiguration>\n"
	      "<ReservedMemMaxSize>0x1000</ReservedMemMaxSize>\n"
	      "<ProvisionKey>1</ProvisionKey>\n"
	      "<LaunchKey>0</LaunchKey>\n"
	      "<EnableKSS>0</EnableKSS>\n"
	      "<TCSMaxNum>4</TCSMaxNum>\n"
	      "</EnclaveConfiguration>",
	      &r);
	assert_int_equal(r.ret, 0);
	assert_int_equal(r.cfg.warnings, 5);
	assert_non_null(strstr(r.msgs, "Enclave.config.xml:2: warning: <ReservedMemMaxSize>"));
	assert_non_null(strstr(r.msgs, "Enclave.config.xml:3: warning: <ProvisionKey>"));
}

static void refusals(void **state)
{
	(void)state;
	expect_error("<EnclaveConfiguration>\n<ProdID>1</ProdID>\n<ISVSVN>2</ISVSV>\n"
	             "</EnclaveConfiguration>",
	             "Enclave.config.xml:3:", "malformed XML");
	expect_error("", "Enclave.config.xml:1:", "malformed XML");
	expect_error("<Config><ProdID>1</ProdID></Config>",
	             ":1:", "must be <EnclaveConfiguration>");
	expect_error("<EnclaveConfiguration>\n\n<ProdID>0x10000</ProdID></EnclaveConfiguration>",
	             ":3:", "<ProdID> is out of range");
	expect_error("<EnclaveConfiguration><ISVSVN>65536</ISVSVN></EnclaveConfiguration>",
	             ":1:", "out of range");
	expect_error("<EnclaveConfiguration><TCSNum>0</TCSNum></EnclaveConfiguration>",
	             ":1:", "<TCSNum> is out of range");
	expect_error("<EnclaveConfiguration>\n<TCSNum>5000</TCSNum></EnclaveConfiguration>",
	             ":2:", "limit of 1024");
	expect_error("<EnclaveConfiguration><TCSPolicy>2</TCSPolicy></EnclaveConfiguration>",
	             ":1:", "out of range");
	expect_error("<EnclaveConfiguration><DisableDebug>3</DisableDebug></EnclaveConfiguration>",
	             ":1:", "out of range");
	expect_error("<EnclaveConfiguration>\n<StackMaxSize>0x1000</StackMaxSize>"
	             "</EnclaveConfiguration>",
	             ":2:", "<StackMaxSize> is out of range");
	expect_error("<EnclaveConfiguration>\n<StackMaxSize>0x20001</StackMaxSize>"
	             "</EnclaveConfiguration>",
	             ":2:", "StackMaxSize is not a multiple of 4096");
	expect_error("<EnclaveConfiguration>\n<StackMaxSize>0x4000</StackMaxSize>\n"
	             "<StackMinSize>0x8000</StackMinSize></EnclaveConfiguration>",
	             ":3:", "StackMinSize is larger than StackMaxSize");
	expect_error("<EnclaveConfiguration>\n<HeapMaxSize>0x10000</HeapMaxSize>\n"
	             "<HeapInitSize>0x20000</HeapInitSize></EnclaveConfiguration>",
	             ":3:", "HeapInitSize is larger than HeapMaxSize");
	expect_error("<EnclaveConfiguration>\n<HeapMaxSize>0x10800</HeapMaxSize>"
	             "</EnclaveConfiguration>",
	             ":2:", "HeapMaxSize is not a multiple of 4096");
	expect_error("<EnclaveConfiguration>\n<HeapMinSize>0x200000</HeapMinSize>"
	             "</EnclaveConfiguration>",
	             ":2:", "HeapMinSize is larger than HeapMaxSize");
	expect_error("<EnclaveConfiguration>\n<HeapMaxSize>0x2000000000</HeapMaxSize>"
	             "</EnclaveConfiguration>",
	             ":2:", "out of range");
	expect_error("<EnclaveConfiguration><ProdID>-1</ProdID></EnclaveConfiguration>",
	             ":1:", "non-negative number");
	expect_error("<EnclaveConfiguration><ProdID>12abc</ProdID></EnclaveConfiguration>",
	             ":1:", "non-negative number");
	expect_error("<EnclaveConfiguration><ProdID></ProdID></EnclaveConfiguration>",
	             ":1:", "non-negative number");
	expect_error("<EnclaveConfiguration><ProdID>99999999999999999999999</ProdID>"
	             "</EnclaveConfiguration>",
	             ":1:", "non-negative number");
	expect_error("<EnclaveConfiguration>\n<ProdID>1</ProdID>\n<ProdID>2</ProdID>"
	             "</EnclaveConfiguration>",
	             ":3:", "more than once");
	expect_error("<EnclaveConfiguration>\n<StackSize>1</StackSize></EnclaveConfiguration>",
	             ":2:", "unknown element <StackSize>");
	expect_error("<EnclaveConfiguration><ProdID x=\"1\">1</ProdID></EnclaveConfiguration>",
	             ":1:", "attribute");
	expect_error("<EnclaveConfiguration><ProdID><a/>1</ProdID></EnclaveConfiguration>",
	             ":1:", "nested");
	expect_error("<EnclaveConfiguration>junk<ProdID>1</ProdID></EnclaveConfiguration>",
	             ":1:", "text outside");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(defaults),
	    cmocka_unit_test(all_settings),
	    cmocka_unit_test(ignored_with_warning),
	    cmocka_unit_test(refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
