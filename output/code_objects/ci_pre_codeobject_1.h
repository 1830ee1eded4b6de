#ifndef _INCLUDED_ci_pre_codeobject_1
#define _INCLUDED_ci_pre_codeobject_1

void _run_ci_pre_codeobject_1();

void _debugmsg_ci_pre_codeobject_1();

#endif
