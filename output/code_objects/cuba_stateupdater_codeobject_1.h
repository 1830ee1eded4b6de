#ifndef _INCLUDED_cuba_stateupdater_codeobject_1
#define _INCLUDED_cuba_stateupdater_codeobject_1

void _run_cuba_stateupdater_codeobject_1();


#endif
