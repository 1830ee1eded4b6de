#ifndef _INCLUDED_cuba_spikes_codeobject
#define _INCLUDED_cuba_spikes_codeobject

void _run_cuba_spikes_codeobject();

void _debugmsg_cuba_spikes_codeobject();

#endif
