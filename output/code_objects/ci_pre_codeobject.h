#ifndef _INCLUDED_ci_pre_codeobject
#define _INCLUDED_ci_pre_codeobject

void _run_ci_pre_codeobject();

void _debugmsg_ci_pre_codeobject();

#endif
