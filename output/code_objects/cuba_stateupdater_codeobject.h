#ifndef _INCLUDED_cuba_stateupdater_codeobject
#define _INCLUDED_cuba_stateupdater_codeobject

void _run_cuba_stateupdater_codeobject();


#endif
