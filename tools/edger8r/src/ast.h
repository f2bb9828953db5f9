/* The EDL abstract syntax tree, shared by parser, checker and emitters. */
#ifndef DE_E8_AST_H
#define DE_E8_AST_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

enum base_kind {
	TY_CHAR,
	TY_UCHAR,
	TY_SHORT,
	TY_USHORT,
	TY_INT,
	TY_UINT,
	TY_LONG,
	TY_ULONG,
	TY_LLONG,
	TY_ULLONG,
	TY_FLOAT,
	TY_DOUBLE,
	TY_LDOUBLE,
	TY_INT8,
	TY_INT16,
	TY_INT32,
	TY_INT64,
	TY_UINT8,
	TY_UINT16,
	TY_UINT32,
	TY_UINT64,
	TY_SIZE_T,
	TY_WCHAR,
	TY_VOID,
	TY_STRUCT,
	TY_UNION,
	TY_ENUM,
	TY_FOREIGN, /* a typedef name from a C header */
};

struct type {
	enum base_kind kind;
	const char *name; /* struct/union/enum tag or foreign name */
	int ptr;          /* number of '*' */
	bool is_const;    /* 'const' before the type (pointer parameters only) */
};

enum direction { DIR_NONE = 0, DIR_IN = 1, DIR_OUT = 2, DIR_INOUT = 3 };

/* A size= or count= value: a decimal number or the name of another
 * parameter (or, for struct members, of another member). */
struct attr_val {
	bool present;
	bool is_num;
	long num;
	const char *name;
	struct loc loc;
};

struct ptr_attr {
	bool any;       /* an attribute block was written */
	struct loc loc; /* of the '[' */
	enum direction dir;
	struct attr_val size;
	struct attr_val count;
	bool isptr, isary, string, wstring, readonly, user_check;
};

#define MAX_DIMS 8

/* A parameter or a struct/union member. */
struct decl {
	struct type ty;
	const char *name;
	int ndims;
	long dims[MAX_DIMS];
	struct ptr_attr attr;
	struct loc loc; /* of the name */
	bool is_ptr;    /* passed by address: pointer, array, isptr/isary foreign */
};

struct enum_item {
	const char *name;
	const char *value; /* NULL, a number or an identifier, as written */
};

enum comp_kind { COMP_STRUCT, COMP_UNION, COMP_ENUM };

struct composite {
	enum comp_kind kind;
	const char *name; /* "" for an anonymous enum */
	struct decl *members;
	size_t nmembers;
	struct enum_item *items;
	size_t nitems;
	struct loc loc;
	bool deep_copy; /* struct with a member carrying size=/count= */
};

enum call_conv { CC_NONE, CC_CDECL, CC_STDCALL, CC_FASTCALL };

struct func {
	const char *name;
	struct type ret;
	struct decl *params;
	size_t nparams;
	struct loc loc; /* of the name */
	bool trusted;
	/* trusted only */
	bool is_public;
	/* both */
	bool switchless;
	/* untrusted only */
	bool propagate_errno;
	enum call_conv cc;
	bool dllimport;
	const char **allow;
	struct loc *allow_loc;
	size_t nallow;
	const char *origin; /* resolved path of the EDL file that declared it */
};

struct import {
	const char *file;
	const char **names;
	struct loc *name_locs;
	size_t nnames;
	bool all;
	struct loc loc;
};

/* One parsed EDL file, or, after import resolution, the whole enclave. */
struct edl {
	const char *path;
	const char **includes; /* top-level: both headers */
	size_t nincludes;
	const char **t_includes; /* inside trusted { } */
	size_t nt_includes;
	const char **u_includes; /* inside untrusted { } */
	size_t nu_includes;
	struct composite *comps;
	size_t ncomps;
	struct func *ecalls;
	size_t necalls;
	struct func *ocalls;
	size_t nocalls;
	struct import *imports;
	size_t nimports;
};

#endif
