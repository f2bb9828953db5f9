/* Calling-convention and linkage macros used by SGX-compatible headers and
 * by the code de_edger8r generates. On Linux x86-64 there is one calling
 * convention, so the convention macros are empty. */
#ifndef _SGX_DEFS_H_
#define _SGX_DEFS_H_

#define SGX_NOCONVENTION
#define SGX_CDECL
#define SGX_STDCALL
#define SGX_FASTCALL
#define SGX_DLLIMPORT

#ifdef __cplusplus
#define SGX_EXTERNC extern "C"
#else
#define SGX_EXTERNC
#endif

#define SGX_NOTHROW __attribute__((nothrow))

#endif
