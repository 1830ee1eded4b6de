#include <stdlib.h>
#include "objects.h"
#include <csignal>
#include <ctime>
#include <time.h>

#include "run.h"
#include "brianlib/common_math.h"

#include "code_objects/ce_pre_codeobject_1.h"
#include "code_objects/ce_pre_push_spikes.h"
#include "code_objects/before_run_ce_pre_push_spikes.h"
#include "code_objects/ce_synapses_create_array_codeobject.h"
#include "code_objects/ci_pre_codeobject_1.h"
#include "code_objects/ci_pre_push_spikes.h"
#include "code_objects/before_run_ci_pre_push_spikes.h"
#include "code_objects/ci_synapses_create_array_codeobject.h"
#include "code_objects/cuba_spike_resetter_codeobject_1.h"
#include "code_objects/cuba_spike_thresholder_codeobject_1.h"
#include "code_objects/after_run_cuba_spike_thresholder_codeobject_1.h"
#include "code_objects/cuba_spikes_codeobject.h"
#include "code_objects/cuba_stateupdater_codeobject_1.h"


#include <iostream>
#include <fstream>
#include <string>




void set_from_command_line(const std::vector<std::string> args)
{
    for (const auto& arg : args) {
		// Split into two parts
		size_t equal_sign = arg.find("=");
		auto name = arg.substr(0, equal_sign);
		auto value = arg.substr(equal_sign + 1, arg.length());
		brian::set_variable_by_name(name, value);
	}
}

void _int_handler(int signal_num) {
	if (Network::_globally_running && !Network::_globally_stopped) {
		Network::_globally_stopped = true;
	} else {
		std::signal(signal_num, SIG_DFL);
		std::raise(signal_num);
	}
}

int main(int argc, char **argv)
{
	std::signal(SIGINT, _int_handler);
	std::random_device _rd;
	std::vector<std::string> args(argv + 1, argv + argc);
	if (args.size() >=2 && args[0] == "--results_dir")
	{
		brian::results_dir = args[1];
		#ifdef DEBUG
		std::cout << "Setting results dir to '" << brian::results_dir << "'" << std::endl;
		#endif
		args.erase(args.begin(), args.begin()+2);
	}
        

	brian_start();
        

	{
		using namespace brian;

		
                
        _array_defaultclock_dt[0] = 0.0001;
        _array_defaultclock_dt[0] = 0.0001;
        _array_defaultclock_dt[0] = 0.0001;
        _array_defaultclock_dt[0] = 0.0001;
        
                        
                        for(int i=0; i<_num__array_cuba_lastspike; i++)
                        {
                            _array_cuba_lastspike[i] = - 10000.0;
                        }
                        
        
                        
                        for(int i=0; i<_num__array_cuba_not_refractory; i++)
                        {
                            _array_cuba_not_refractory[i] = true;
                        }
                        
        
                        
                        for(int i=0; i<_num__array_cuba_v; i++)
                        {
                            _array_cuba_v[i] = _static_array__array_cuba_v[i];
                        }
                        
        _array_cuba_we[0] = 0.0016200000000000003;
        
                        
                        for(int i=0; i<_num__array_ce_sources; i++)
                        {
                            _array_ce_sources[i] = _static_array__array_ce_sources[i];
                        }
                        
        
                        
                        for(int i=0; i<_num__array_ce_targets; i++)
                        {
                            _array_ce_targets[i] = _static_array__array_ce_targets[i];
                        }
                        
        _run_ce_synapses_create_array_codeobject();
        
                        
                        for(int i=0; i<_num__array_ci_sources; i++)
                        {
                            _array_ci_sources[i] = _static_array__array_ci_sources[i];
                        }
                        
        
                        
                        for(int i=0; i<_num__array_ci_targets; i++)
                        {
                            _array_ci_targets[i] = _static_array__array_ci_targets[i];
                        }
                        
        _run_ci_synapses_create_array_codeobject();
        _array_defaultclock_timestep[0] = 0;
        _array_defaultclock_t[0] = 0.0;
        _before_run_ce_pre_push_spikes();
        _before_run_ci_pre_push_spikes();
        network.clear();
        network.add(&defaultclock, _run_cuba_stateupdater_codeobject_1);
        network.add(&defaultclock, _run_cuba_spike_thresholder_codeobject_1);
        network.add(&defaultclock, _run_cuba_spikes_codeobject);
        network.add(&defaultclock, _run_ce_pre_push_spikes);
        network.add(&defaultclock, _run_ce_pre_codeobject_1);
        network.add(&defaultclock, _run_ci_pre_push_spikes);
        network.add(&defaultclock, _run_ci_pre_codeobject_1);
        network.add(&defaultclock, _run_cuba_spike_resetter_codeobject_1);
        set_from_command_line(args);
        network.run(1.0, NULL, 10.0);
        _after_run_cuba_spike_thresholder_codeobject_1();
        #ifdef DEBUG
        _debugmsg_cuba_spikes_codeobject();
        #endif
        
        #ifdef DEBUG
        _debugmsg_ce_pre_codeobject_1();
        #endif
        
        #ifdef DEBUG
        _debugmsg_ci_pre_codeobject_1();
        #endif

	}
        

	brian_end();
        

	return 0;
}