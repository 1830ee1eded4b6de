#ifndef _INCLUDED_ci_pre_push_spikes_before
#define _INCLUDED_ci_pre_push_spikes_before

void _before_run_ci_pre_push_spikes();

#endif
