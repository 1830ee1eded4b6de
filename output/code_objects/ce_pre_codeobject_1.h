#ifndef _INCLUDED_ce_pre_codeobject_1
#define _INCLUDED_ce_pre_codeobject_1

void _run_ce_pre_codeobject_1();

void _debugmsg_ce_pre_codeobject_1();

#endif
