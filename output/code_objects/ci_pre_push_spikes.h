#ifndef _INCLUDED_ci_pre_push_spikes
#define _INCLUDED_ci_pre_push_spikes

void _run_ci_pre_push_spikes();


#endif
