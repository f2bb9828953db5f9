/*
 * Enclave.config.xml parser. Elements, limits and defaults follow the SGX
 * SDK's sgx_sign; elements that have no meaning on DE Enclave are accepted
 * with a warning. Every refusal names the file, the line and the reason.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>

#include "config.h"

#define SIZE_MAX_SGX 0x1FFFFFFFFFull

enum field {
	F_IGNORED,
	F_PROD_ID,
	F_ISV_SVN,
	F_TCS_NUM,
	F_TCS_POLICY,
	F_STACK_MAX,
	F_STACK_MIN,
	F_HEAP_MAX,
	F_HEAP_MIN,
	F_HEAP_INIT,
	F_DISABLE_DEBUG,
	F_MISC_SELECT,
	F_MISC_MASK,
	F_COUNT
};

struct element {
	const char *name;
	enum field field;
	uint64_t min;
	uint64_t max;
};

static const struct element elements[] = {
    {"ProdID", F_PROD_ID, 0, 0xFFFF},
    {"ISVSVN", F_ISV_SVN, 0, 0xFFFF},
    {"TCSNum", F_TCS_NUM, 1, 0xFFFFFFFF},
    {"TCSPolicy", F_TCS_POLICY, 0, 1},
    {"StackMaxSize", F_STACK_MAX, 0x2000, SIZE_MAX_SGX},
    {"StackMinSize", F_STACK_MIN, 0x2000, SIZE_MAX_SGX},
    {"HeapMaxSize", F_HEAP_MAX, 0, SIZE_MAX_SGX},
    {"HeapMinSize", F_HEAP_MIN, 0, SIZE_MAX_SGX},
    {"HeapInitSize", F_HEAP_INIT, 0, SIZE_MAX_SGX},
    {"DisableDebug", F_DISABLE_DEBUG, 0, 1},
    {"MiscSelect", F_MISC_SELECT, 0, 0xFFFFFFFF},
    {"MiscMask", F_MISC_MASK, 0, 0xFFFFFFFF},
    /* Known to sgx_sign, meaningless here: accepted with a warning. */
    {"ReleaseType", F_IGNORED, 0, 1},
    {"IntelSigned", F_IGNORED, 0, 1},
    {"ProvisionKey", F_IGNORED, 0, 1},
    {"LaunchKey", F_IGNORED, 0, 1},
    {"HW", F_IGNORED, 0, 0x10},
    {"TCSMaxNum", F_IGNORED, 1, 0xFFFFFFFF},
    {"TCSMinPool", F_IGNORED, 0, 0xFFFFFFFF},
    {"EnableKSS", F_IGNORED, 0, 1},
    {"ISVEXTPRODID_H", F_IGNORED, 0, UINT64_MAX},
    {"ISVEXTPRODID_L", F_IGNORED, 0, UINT64_MAX},
    {"ISVFAMILYID_H", F_IGNORED, 0, UINT64_MAX},
    {"ISVFAMILYID_L", F_IGNORED, 0, UINT64_MAX},
    {"ReservedMemMaxSize", F_IGNORED, 0, SIZE_MAX_SGX},
    {"ReservedMemMinSize", F_IGNORED, 0, SIZE_MAX_SGX},
    {"ReservedMemInitSize", F_IGNORED, 0, SIZE_MAX_SGX},
    {"ReservedMemExecutable", F_IGNORED, 0, 1},
    {"UserRegionSize", F_IGNORED, 0, UINT64_MAX},
    {"EnableAEXNotify", F_IGNORED, 0, 1},
};

struct parse_state {
	XML_Parser parser;
	const char *name;
	FILE *msgs;
	struct de_sign_config *cfg;
	int depth;
	int failed;
	int seen_root;
	const struct element *current;
	unsigned long current_line;
	char text[128];
	size_t text_len;
	int text_overflow;
	unsigned long line_of[F_COUNT]; /* 0: not given */
	uint8_t seen[sizeof(elements) / sizeof(elements[0])];
};

#define PAGE_MASK 0xFFFull

__attribute__((format(printf, 3, 4))) static void refuse(struct parse_state *st, unsigned long line,
                                                         const char *fmt, ...)
{
	va_list ap;

	if (!st->failed) {
		fprintf(st->msgs, "%s:%lu: error: ", st->name, line);
		va_start(ap, fmt);
		vfprintf(st->msgs, fmt, ap);
		va_end(ap);
		fputc('\n', st->msgs);
	}
	st->failed = 1;
	if (st->parser)
		XML_StopParser(st->parser, XML_FALSE);
}

static const struct element *lookup(const char *name)
{
	for (size_t i = 0; i < sizeof(elements) / sizeof(elements[0]); i++)
		if (strcmp(elements[i].name, name) == 0)
			return &elements[i];
	return NULL;
}

static void XMLCALL on_start(void *user, const XML_Char *name, const XML_Char **atts)
{
	struct parse_state *st = user;
	unsigned long line = XML_GetCurrentLineNumber(st->parser);

	if (st->failed)
		return;
	st->depth++;
	if (st->depth == 1) {
		if (strcmp(name, "EnclaveConfiguration") != 0)
			refuse(st, line,
			       "the root element is <%s>; it must be <EnclaveConfiguration>%s",
			       name, "");
		st->seen_root = 1;
		return;
	}
	if (st->depth > 2) {
		refuse(st, line,
		       "<%s> is nested inside <%s>; settings are plain elements with a number",
		       name, st->current ? st->current->name : "?");
		return;
	}
	if (atts[0] != NULL) {
		refuse(st, line, "<%s> has an attribute (\"%s\"); settings take no attributes",
		       name, atts[0]);
		return;
	}
	st->current = lookup(name);
	if (st->current == NULL) {
		refuse(
		    st, line,
		    "unknown element <%s>%s; known settings are ProdID, ISVSVN, TCSNum, TCSPolicy, "
		    "StackMaxSize, StackMinSize, HeapMaxSize, HeapMinSize, HeapInitSize, "
		    "DisableDebug, MiscSelect, MiscMask",
		    name, "");
		return;
	}
	size_t idx = (size_t)(st->current - elements);
	if (st->seen[idx]) {
		refuse(st, line, "<%s> is given more than once%s", name, "");
		return;
	}
	st->seen[idx] = 1;
	st->current_line = line;
	st->text_len = 0;
	st->text_overflow = 0;
}

static void XMLCALL on_text(void *user, const XML_Char *s, int len)
{
	struct parse_state *st = user;

	if (st->failed)
		return;
	if (st->depth == 2 && st->current) {
		if (st->text_len + (size_t)len >= sizeof(st->text)) {
			st->text_overflow = 1;
			return;
		}
		memcpy(st->text + st->text_len, s, (size_t)len);
		st->text_len += (size_t)len;
		return;
	}
	for (int i = 0; i < len; i++) {
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r') {
			refuse(st, XML_GetCurrentLineNumber(st->parser),
			       "text outside of a setting element%s%s", "", "");
			return;
		}
	}
}

static int parse_number(const char *text, uint64_t *out)
{
	char *end = NULL;
	unsigned long long v;

	while (*text == ' ' || *text == '\t' || *text == '\n' || *text == '\r')
		text++;
	if (*text == '\0' || *text == '-' || *text == '+')
		return -1;
	errno = 0;
	v = strtoull(text, &end, 0);
	if (errno != 0 || end == text)
		return -1;
	while (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r')
		end++;
	if (*end != '\0')
		return -1;
	*out = v;
	return 0;
}

static void store(struct de_sign_config *c, enum field f, uint64_t v)
{
	switch (f) {
	case F_PROD_ID:
		c->prod_id = (uint16_t)v;
		break;
	case F_ISV_SVN:
		c->isv_svn = (uint16_t)v;
		break;
	case F_TCS_NUM:
		c->tcs_num = (uint32_t)v;
		break;
	case F_TCS_POLICY:
		c->tcs_policy = (uint32_t)v;
		break;
	case F_STACK_MAX:
		c->stack_max_size = v;
		break;
	case F_STACK_MIN:
		c->stack_min_size = v;
		break;
	case F_HEAP_MAX:
		c->heap_max_size = v;
		break;
	case F_HEAP_MIN:
		c->heap_min_size = v;
		break;
	case F_HEAP_INIT:
		c->heap_init_size = v;
		c->heap_init_set = 1;
		break;
	case F_DISABLE_DEBUG:
		c->disable_debug = (int)v;
		break;
	case F_MISC_SELECT:
		c->misc_select = (uint32_t)v;
		break;
	case F_MISC_MASK:
		c->misc_mask = (uint32_t)v;
		break;
	default:
		break;
	}
}

static void XMLCALL on_end(void *user, const XML_Char *name)
{
	struct parse_state *st = user;
	const struct element *e = st->current;
	char lim[64];
	uint64_t v;

	if (st->failed)
		return;
	st->depth--;
	if (st->depth != 1 || e == NULL)
		return;
	st->current = NULL;
	st->text[st->text_len] = '\0';
	if (st->text_overflow || parse_number(st->text, &v) != 0) {
		refuse(st, st->current_line,
		       "<%s> must hold one non-negative number (decimal or 0x hex), not \"%s\"",
		       name, st->text_overflow ? "(too long)" : st->text);
		return;
	}
	if (v < e->min || v > e->max) {
		snprintf(lim, sizeof(lim), "0x%llx..0x%llx", (unsigned long long)e->min,
		         (unsigned long long)e->max);
		refuse(st, st->current_line, "<%s> is out of range; allowed values are %s", name,
		       lim);
		return;
	}
	if (e->field == F_IGNORED) {
		fprintf(st->msgs, "%s:%lu: warning: <%s> has no meaning on DE Enclave; ignored\n",
		        st->name, st->current_line, name);
		st->cfg->warnings++;
		return;
	}
	st->line_of[e->field] = st->current_line;
	store(st->cfg, e->field, v);
}

void de_config_defaults(struct de_sign_config *c)
{
	memset(c, 0, sizeof(*c));
	c->tcs_num = 1;
	c->tcs_policy = DE_TCS_POLICY_UNBIND;
	c->stack_max_size = 0x40000;
	c->stack_min_size = 0x2000;
	c->heap_max_size = 0x100000;
	c->heap_min_size = 0x1000;
	c->heap_init_size = 0x100000;
	c->misc_select = 0;
	c->misc_mask = 0xFFFFFFFF;
}

static unsigned long line_or(const struct parse_state *st, enum field f)
{
	return st->line_of[f] ? st->line_of[f] : 1;
}

/* Cross-field rules (same as sgx_sign), reported at the offending element. */
static void check_semantics(struct parse_state *st)
{
	struct de_sign_config *c = st->cfg;

	if (!c->heap_init_set)
		c->heap_init_size = c->heap_max_size;
	if (c->stack_max_size & PAGE_MASK)
		refuse(st, line_or(st, F_STACK_MAX),
		       "%s is not a multiple of 4096 (the page size)%s", "StackMaxSize", "");
	else if (c->stack_min_size & PAGE_MASK)
		refuse(st, line_or(st, F_STACK_MIN),
		       "%s is not a multiple of 4096 (the page size)%s", "StackMinSize", "");
	else if (c->stack_min_size > c->stack_max_size)
		refuse(st, line_or(st, F_STACK_MIN), "%s is larger than %s", "StackMinSize",
		       "StackMaxSize");
	else if (c->heap_max_size & PAGE_MASK)
		refuse(st, line_or(st, F_HEAP_MAX),
		       "%s is not a multiple of 4096 (the page size)%s", "HeapMaxSize", "");
	else if (c->heap_min_size & PAGE_MASK)
		refuse(st, line_or(st, F_HEAP_MIN),
		       "%s is not a multiple of 4096 (the page size)%s", "HeapMinSize", "");
	else if (c->heap_init_size & PAGE_MASK)
		refuse(st, line_or(st, F_HEAP_INIT),
		       "%s is not a multiple of 4096 (the page size)%s", "HeapInitSize", "");
	else if (c->heap_init_size > c->heap_max_size)
		refuse(st, line_or(st, F_HEAP_INIT), "%s is larger than %s", "HeapInitSize",
		       "HeapMaxSize");
	else if (c->heap_min_size > c->heap_init_size)
		refuse(st, line_or(st, F_HEAP_MIN), "%s is larger than %s", "HeapMinSize",
		       c->heap_init_set ? "HeapInitSize" : "HeapMaxSize");
	else if (c->tcs_num > DE_TCS_MAX)
		refuse(st, line_or(st, F_TCS_NUM),
		       "%s is larger than DE Enclave's limit of 1024 threads per enclave%s",
		       "TCSNum", "");
}

int de_config_parse(const char *name, const char *buf, size_t len, struct de_sign_config *c,
                    FILE *msgs)
{
	struct parse_state st;
	enum XML_Status status;

	memset(&st, 0, sizeof(st));
	st.name = name;
	st.msgs = msgs;
	st.cfg = c;
	st.parser = XML_ParserCreate(NULL);
	if (st.parser == NULL) {
		fprintf(msgs, "%s: error: out of memory creating the XML parser\n", name);
		return -1;
	}
	XML_SetUserData(st.parser, &st);
	XML_SetElementHandler(st.parser, on_start, on_end);
	XML_SetCharacterDataHandler(st.parser, on_text);

	status = XML_Parse(st.parser, buf, (int)len, XML_TRUE);
	if (status == XML_STATUS_ERROR && !st.failed) {
		fprintf(msgs, "%s:%lu: error: malformed XML: %s\n", name,
		        (unsigned long)XML_GetCurrentLineNumber(st.parser),
		        XML_ErrorString(XML_GetErrorCode(st.parser)));
		st.failed = 1;
	}
	XML_ParserFree(st.parser);
	st.parser = NULL;
	if (!st.failed && !st.seen_root)
		refuse(&st, 1, "no <EnclaveConfiguration> element%s%s", "", "");
	if (!st.failed)
		check_semantics(&st);
	return st.failed ? -1 : 0;
}

int de_config_load(const char *path, struct de_sign_config *c, FILE *msgs)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long size;
	int ret = -1;

	if (f == NULL) {
		fprintf(msgs, "%s: error: cannot open the configuration file: %s\n", path,
		        strerror(errno));
		return -1;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
	    size > (1 << 20)) {
		fprintf(msgs,
		        "%s: error: cannot read the configuration file (larger than 1 MiB?)\n",
		        path);
		goto out;
	}
	buf = malloc((size_t)size + 1);
	if (buf == NULL || fread(buf, 1, (size_t)size, f) != (size_t)size) {
		fprintf(msgs, "%s: error: cannot read the configuration file\n", path);
		goto out;
	}
	ret = de_config_parse(path, buf, (size_t)size, c, msgs);
out:
	free(buf);
	fclose(f);
	return ret;
}

void de_config_layout_params(const struct de_sign_config *c, struct de_layout_params *p)
{
	p->tcs_num = c->tcs_num;
	p->tcs_policy = c->tcs_policy;
	p->stack_max_size = c->stack_max_size;
	p->stack_min_size = c->stack_min_size;
	p->heap_max_size = c->heap_max_size;
	p->heap_init_size = c->heap_init_size;
	p->heap_min_size = c->heap_min_size;
}
