#ifndef _INCLUDED_cuba_spike_resetter_codeobject
#define _INCLUDED_cuba_spike_resetter_codeobject

void _run_cuba_spike_resetter_codeobject();


#endif
