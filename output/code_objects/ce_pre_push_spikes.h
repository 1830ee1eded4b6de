#ifndef _INCLUDED_ce_pre_push_spikes
#define _INCLUDED_ce_pre_push_spikes

void _run_ce_pre_push_spikes();


#endif
