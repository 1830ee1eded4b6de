#ifndef _INCLUDED_ce_pre_codeobject
#define _INCLUDED_ce_pre_codeobject

void _run_ce_pre_codeobject();

void _debugmsg_ce_pre_codeobject();

#endif
