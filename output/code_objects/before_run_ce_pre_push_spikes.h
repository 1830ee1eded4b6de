#ifndef _INCLUDED_ce_pre_push_spikes_before
#define _INCLUDED_ce_pre_push_spikes_before

void _before_run_ce_pre_push_spikes();

#endif
