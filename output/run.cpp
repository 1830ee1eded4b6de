#include<stdlib.h>
#include "objects.h"
#include<ctime>
#include<random>

#include "code_objects/ce_pre_codeobject_1.h"
#include "code_objects/ce_pre_push_spikes.h"
#include "code_objects/ce_synapses_create_array_codeobject.h"
#include "code_objects/ci_pre_codeobject_1.h"
#include "code_objects/ci_pre_push_spikes.h"
#include "code_objects/ci_synapses_create_array_codeobject.h"
#include "code_objects/cuba_spike_resetter_codeobject_1.h"
#include "code_objects/cuba_spike_thresholder_codeobject_1.h"
#include "code_objects/cuba_spikes_codeobject.h"
#include "code_objects/cuba_stateupdater_codeobject_1.h"


void brian_start()
{
	_init_arrays();
	_load_arrays();
	// Initialize clocks (link timestep and dt to the respective arrays)
    brian::defaultclock.timestep = brian::_array_defaultclock_timestep;
    brian::defaultclock.dt = brian::_array_defaultclock_dt;
    brian::defaultclock.t = brian::_array_defaultclock_t;
}

void brian_end()
{
	_write_arrays();
	_dealloc_arrays();
}


