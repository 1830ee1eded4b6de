

#include "objects.h"
#include "synapses_classes.h"
#include "brianlib/clocks.h"
#include "brianlib/dynamic_array.h"
#include "brianlib/stdint_compat.h"
#include "network.h"
#include<random>
#include<vector>
#include<iostream>
#include<fstream>
#include<map>
#include<tuple>
#include<cstdlib>
#include<string>

namespace brian {

std::string results_dir = "results/";  // can be overwritten by --results_dir command line arg

// For multhreading, we need one generator for each thread. We also create a distribution for
// each thread, even though this is not strictly necessary for the uniform distribution, as
// the distribution is stateless.
std::vector< RandomGenerator > _random_generators;

//////////////// networks /////////////////
Network network;

void set_variable_from_value(std::string varname, char* var_pointer, size_t size, char value) {
    #ifdef DEBUG
    std::cout << "Setting '" << varname << "' to " << (value == 1 ? "True" : "False") << std::endl;
    #endif
    std::fill(var_pointer, var_pointer+size, value);
}

template<class T> void set_variable_from_value(std::string varname, T* var_pointer, size_t size, T value) {
    #ifdef DEBUG
    std::cout << "Setting '" << varname << "' to " << value << std::endl;
    #endif
    std::fill(var_pointer, var_pointer+size, value);
}

template<class T> void set_variable_from_file(std::string varname, T* var_pointer, size_t data_size, std::string filename) {
    ifstream f;
    streampos size;
    #ifdef DEBUG
    std::cout << "Setting '" << varname << "' from file '" << filename << "'" << std::endl;
    #endif
    f.open(filename, ios::in | ios::binary | ios::ate);
    size = f.tellg();
    if (size != data_size) {
        std::cerr << "Error reading '" << filename << "': file size " << size << " does not match expected size " << data_size << std::endl;
        return;
    }
    f.seekg(0, ios::beg);
    if (f.is_open())
        f.read(reinterpret_cast<char *>(var_pointer), data_size);
    else
        std::cerr << "Could not read '" << filename << "'" << std::endl;
    if (f.fail())
        std::cerr << "Error reading '" << filename << "'" << std::endl;
}

//////////////// set arrays by name ///////
void set_variable_by_name(std::string name, std::string s_value) {
    size_t var_size;
    size_t data_size;
    // C-style or Python-style capitalization is allowed for boolean values
    if (s_value == "true" || s_value == "True")
        s_value = "1";
    else if (s_value == "false" || s_value == "False")
        s_value = "0";
    // non-dynamic arrays
    if (name == "cuba._spikespace") {
        var_size = 4001;
        data_size = 4001*sizeof(int32_t);
        if (s_value[0] == '-' || (s_value[0] >= '0' && s_value[0] <= '9')) {
            // set from single value
            set_variable_from_value<int32_t>(name, _array_cuba__spikespace, var_size, (int32_t)atoi(s_value.c_str()));

        } else {
            // set from file
            set_variable_from_file(name, _array_cuba__spikespace, data_size, s_value);
        }
        return;
    }
    if (name == "cuba.ge") {
        var_size = 4000;
        data_size = 4000*sizeof(double);
        if (s_value[0] == '-' || (s_value[0] >= '0' && s_value[0] <= '9')) {
            // set from single value
            set_variable_from_value<double>(name, _array_cuba_ge, var_size, (double)atof(s_value.c_str()));

        } else {
            // set from file
            set_variable_from_file(name, _array_cuba_ge, data_size, s_value);
        }
        return;
    }
    if (name == "cuba.gi") {
        var_size = 4000;
        data_size = 4000*sizeof(double);
        if (s_value[0] == '-' || (s_value[0] >= '0' && s_value[0] <= '9')) {
            // set from single value
            set_variable_from_value<double>(name, _array_cuba_gi, var_size, (double)atof(s_value.c_str()));

        } else {
            // set from file
            set_variable_from_file(name, _array_cuba_gi, data_size, s_value);
        }
        return;
    }
    if (name == "cuba.lastspike") {
        var_size = 4000;
        data_size = 4000*sizeof(double);
        if (s_value[0] == '-' || (s_value[0] >= '0' && s_value[0] <= '9')) {
            // set from single value
            set_variable_from_value<double>(name, _array_cuba_lastspike, var_size, (double)atof(s_value.c_str()));

        } else {
            // set from file
            set_variable_from_file(name, _array_cuba_lastspike, data_size, s_value);
        }
        return;
    }
    if (name == "cuba.nev") {
        var_size = 4000;
        data_size = 4000*sizeof(double);
        if (s_value[0] == '-' || (s_value[0] >= '0' && s_value[0] <= '9')) {
            // set from single value
            set_variable_from_value<double>(name, _array_cuba_nev, var_size, (double)atof(s_value.c_str()));

        } else {
            // set from file
            set_variable_from_file(name, _array_cuba_nev, data_size, s_value);
        }
        return;
    }
    if (name == "cuba.not_refractory") {
        var_size = 4000;
        data_size = 4000*sizeof(char);
        if (s_value[0] == '-' || (s_value[0] >= '0' && s_value[0] <= '9')) {
            // set from single value
            set_variable_from_value(name, _array_cuba_not_refractory, var_size, (char)atoi(s_value.c_str()));

        } else {
            // set from file
            set_variable_from_file(name, _array_cuba_not_refractory, data_size, s_value);
        }
        return;
    }
    if (name == "cuba.nspk") {
        var_size = 4000;
        data_size = 4000*sizeof(double);
        if (s_value[0] == '-' || (s_value[0] >= '0' && s_value[0] <= '9')) {
            // set from single value
            set_variable_from_value<double>(name, _array_cuba_nspk, var_size, (double)atof(s_value.c_str()));

        } else {
            // set from file
            set_variable_from_file(name, _array_cuba_nspk, data_size, s_value);
        }
        return;
    }
    if (name == "cuba.v") {
        var_size = 4000;
        data_size = 4000*sizeof(double);
        if (s_value[0] == '-' || (s_value[0] >= '0' && s_value[0] <= '9')) {
            // set from single value
            set_variable_from_value<double>(name, _array_cuba_v, var_size, (double)atof(s_value.c_str()));

        } else {
            // set from file
            set_variable_from_file(name, _array_cuba_v, data_size, s_value);
        }
        return;
    }
    if (name == "cuba.we") {
        var_size = 1;
        data_size = 1*sizeof(double);
        if (s_value[0] == '-' || (s_value[0] >= '0' && s_value[0] <= '9')) {
            // set from single value
            set_variable_from_value<double>(name, _array_cuba_we, var_size, (double)atof(s_value.c_str()));

        } else {
            // set from file
            set_variable_from_file(name, _array_cuba_we, data_size, s_value);
        }
        return;
    }
    // dynamic arrays (1d)
    if (name == "ce.delay") {
        var_size = _dynamic_array_ce_delay.size();
        data_size = var_size*sizeof(double);
        if (s_value[0] == '-' || (s_value[0] >= '0' && s_value[0] <= '9')) {
            // set from single value
            set_variable_from_value<double>(name, &_dynamic_array_ce_delay[0], var_size, (double)atof(s_value.c_str()));

        } else {
            // set from file
            set_variable_from_file(name, &_dynamic_array_ce_delay[0], data_size, s_value);
        }
        return;
    }
    if (name == "ci.delay") {
        var_size = _dynamic_array_ci_delay.size();
        data_size = var_size*sizeof(double);
        if (s_value[0] == '-' || (s_value[0] >= '0' && s_value[0] <= '9')) {
            // set from single value
            set_variable_from_value<double>(name, &_dynamic_array_ci_delay[0], var_size, (double)atof(s_value.c_str()));

        } else {
            // set from file
            set_variable_from_file(name, &_dynamic_array_ci_delay[0], data_size, s_value);
        }
        return;
    }
    std::cerr << "Cannot set unknown variable '" << name << "'." << std::endl;
    exit(1);
}
//////////////// arrays ///////////////////
int32_t * _array_ce_N;
const int _num__array_ce_N = 1;
int32_t * _array_ce_sources;
const int _num__array_ce_sources = 256278;
int32_t * _array_ce_targets;
const int _num__array_ce_targets = 256278;
int32_t * _array_ci_N;
const int _num__array_ci_N = 1;
int32_t * _array_ci_sources;
const int _num__array_ci_sources = 63967;
int32_t * _array_ci_targets;
const int _num__array_ci_targets = 63967;
int32_t * _array_cuba__spikespace;
const int _num__array_cuba__spikespace = 4001;
double * _array_cuba_ge;
const int _num__array_cuba_ge = 4000;
double * _array_cuba_gi;
const int _num__array_cuba_gi = 4000;
int32_t * _array_cuba_i;
const int _num__array_cuba_i = 4000;
double * _array_cuba_lastspike;
const int _num__array_cuba_lastspike = 4000;
double * _array_cuba_nev;
const int _num__array_cuba_nev = 4000;
char * _array_cuba_not_refractory;
const int _num__array_cuba_not_refractory = 4000;
double * _array_cuba_nspk;
const int _num__array_cuba_nspk = 4000;
int32_t * _array_cuba_spikes__source_idx;
const int _num__array_cuba_spikes__source_idx = 4000;
int32_t * _array_cuba_spikes_count;
const int _num__array_cuba_spikes_count = 4000;
int32_t * _array_cuba_spikes_N;
const int _num__array_cuba_spikes_N = 1;
double * _array_cuba_v;
const int _num__array_cuba_v = 4000;
double * _array_cuba_we;
const int _num__array_cuba_we = 1;
double * _array_defaultclock_dt;
const int _num__array_defaultclock_dt = 1;
double * _array_defaultclock_t;
const int _num__array_defaultclock_t = 1;
int64_t * _array_defaultclock_timestep;
const int _num__array_defaultclock_timestep = 1;

//////////////// dynamic arrays 1d /////////
std::vector<int32_t> _dynamic_array_ce__synaptic_post;
std::vector<int32_t> _dynamic_array_ce__synaptic_pre;
std::vector<double> _dynamic_array_ce_delay;
std::vector<int32_t> _dynamic_array_ce_N_incoming;
std::vector<int32_t> _dynamic_array_ce_N_outgoing;
std::vector<int32_t> _dynamic_array_ci__synaptic_post;
std::vector<int32_t> _dynamic_array_ci__synaptic_pre;
std::vector<double> _dynamic_array_ci_delay;
std::vector<int32_t> _dynamic_array_ci_N_incoming;
std::vector<int32_t> _dynamic_array_ci_N_outgoing;
std::vector<int32_t> _dynamic_array_cuba_spikes_i;
std::vector<double> _dynamic_array_cuba_spikes_t;

//////////////// dynamic arrays 2d /////////

/////////////// static arrays /////////////
int32_t * _static_array__array_ce_sources;
const int _num__static_array__array_ce_sources = 256278;
int32_t * _static_array__array_ce_targets;
const int _num__static_array__array_ce_targets = 256278;
int32_t * _static_array__array_ci_sources;
const int _num__static_array__array_ci_sources = 63967;
int32_t * _static_array__array_ci_targets;
const int _num__static_array__array_ci_targets = 63967;
double * _static_array__array_cuba_v;
const int _num__static_array__array_cuba_v = 4000;

//////////////// synapses /////////////////
// ce
SynapticPathway ce_pre(
    _dynamic_array_ce__synaptic_pre,
    0, 4000);
// ci
SynapticPathway ci_pre(
    _dynamic_array_ci__synaptic_pre,
    0, 4000);

//////////////// clocks ///////////////////
Clock defaultclock;  // attributes will be set in run.cpp

// Profiling information for each code object
}

void _init_arrays()
{
    using namespace brian;

    // Arrays initialized to 0
    _array_ce_N = new int32_t[1];
    
    for(int i=0; i<1; i++) _array_ce_N[i] = 0;

    _array_ce_sources = new int32_t[256278];
    
    for(int i=0; i<256278; i++) _array_ce_sources[i] = 0;

    _array_ce_targets = new int32_t[256278];
    
    for(int i=0; i<256278; i++) _array_ce_targets[i] = 0;

    _array_ci_N = new int32_t[1];
    
    for(int i=0; i<1; i++) _array_ci_N[i] = 0;

    _array_ci_sources = new int32_t[63967];
    
    for(int i=0; i<63967; i++) _array_ci_sources[i] = 0;

    _array_ci_targets = new int32_t[63967];
    
    for(int i=0; i<63967; i++) _array_ci_targets[i] = 0;

    _array_cuba__spikespace = new int32_t[4001];
    
    for(int i=0; i<4001; i++) _array_cuba__spikespace[i] = 0;

    _array_cuba_ge = new double[4000];
    
    for(int i=0; i<4000; i++) _array_cuba_ge[i] = 0;

    _array_cuba_gi = new double[4000];
    
    for(int i=0; i<4000; i++) _array_cuba_gi[i] = 0;

    _array_cuba_i = new int32_t[4000];
    
    for(int i=0; i<4000; i++) _array_cuba_i[i] = 0;

    _array_cuba_lastspike = new double[4000];
    
    for(int i=0; i<4000; i++) _array_cuba_lastspike[i] = 0;

    _array_cuba_nev = new double[4000];
    
    for(int i=0; i<4000; i++) _array_cuba_nev[i] = 0;

    _array_cuba_not_refractory = new char[4000];
    
    for(int i=0; i<4000; i++) _array_cuba_not_refractory[i] = 0;

    _array_cuba_nspk = new double[4000];
    
    for(int i=0; i<4000; i++) _array_cuba_nspk[i] = 0;

    _array_cuba_spikes__source_idx = new int32_t[4000];
    
    for(int i=0; i<4000; i++) _array_cuba_spikes__source_idx[i] = 0;

    _array_cuba_spikes_count = new int32_t[4000];
    
    for(int i=0; i<4000; i++) _array_cuba_spikes_count[i] = 0;

    _array_cuba_spikes_N = new int32_t[1];
    
    for(int i=0; i<1; i++) _array_cuba_spikes_N[i] = 0;

    _array_cuba_v = new double[4000];
    
    for(int i=0; i<4000; i++) _array_cuba_v[i] = 0;

    _array_cuba_we = new double[1];
    
    for(int i=0; i<1; i++) _array_cuba_we[i] = 0;

    _array_defaultclock_dt = new double[1];
    
    for(int i=0; i<1; i++) _array_defaultclock_dt[i] = 0;

    _array_defaultclock_t = new double[1];
    
    for(int i=0; i<1; i++) _array_defaultclock_t[i] = 0;

    _array_defaultclock_timestep = new int64_t[1];
    
    for(int i=0; i<1; i++) _array_defaultclock_timestep[i] = 0;


    // Arrays initialized to an "arange"
    _array_cuba_i = new int32_t[4000];
    
    for(int i=0; i<4000; i++) _array_cuba_i[i] = 0 + i;

    _array_cuba_spikes__source_idx = new int32_t[4000];
    
    for(int i=0; i<4000; i++) _array_cuba_spikes__source_idx[i] = 0 + i;


    // static arrays
    _static_array__array_ce_sources = new int32_t[256278];
    _static_array__array_ce_targets = new int32_t[256278];
    _static_array__array_ci_sources = new int32_t[63967];
    _static_array__array_ci_targets = new int32_t[63967];
    _static_array__array_cuba_v = new double[4000];

    // Random number generator states
    std::random_device rd;
    for (int i=0; i<1; i++)
        _random_generators.push_back(RandomGenerator());
}

void _load_arrays()
{
    using namespace brian;

    ifstream f_static_array__array_ce_sources;
    f_static_array__array_ce_sources.open("static_arrays/_static_array__array_ce_sources", ios::in | ios::binary);
    if(f_static_array__array_ce_sources.is_open())
    {
        f_static_array__array_ce_sources.read(reinterpret_cast<char*>(_static_array__array_ce_sources), 256278*sizeof(int32_t));
    } else
    {
        std::cout << "Error opening static array _static_array__array_ce_sources." << endl;
    }
    ifstream f_static_array__array_ce_targets;
    f_static_array__array_ce_targets.open("static_arrays/_static_array__array_ce_targets", ios::in | ios::binary);
    if(f_static_array__array_ce_targets.is_open())
    {
        f_static_array__array_ce_targets.read(reinterpret_cast<char*>(_static_array__array_ce_targets), 256278*sizeof(int32_t));
    } else
    {
        std::cout << "Error opening static array _static_array__array_ce_targets." << endl;
    }
    ifstream f_static_array__array_ci_sources;
    f_static_array__array_ci_sources.open("static_arrays/_static_array__array_ci_sources", ios::in | ios::binary);
    if(f_static_array__array_ci_sources.is_open())
    {
        f_static_array__array_ci_sources.read(reinterpret_cast<char*>(_static_array__array_ci_sources), 63967*sizeof(int32_t));
    } else
    {
        std::cout << "Error opening static array _static_array__array_ci_sources." << endl;
    }
    ifstream f_static_array__array_ci_targets;
    f_static_array__array_ci_targets.open("static_arrays/_static_array__array_ci_targets", ios::in | ios::binary);
    if(f_static_array__array_ci_targets.is_open())
    {
        f_static_array__array_ci_targets.read(reinterpret_cast<char*>(_static_array__array_ci_targets), 63967*sizeof(int32_t));
    } else
    {
        std::cout << "Error opening static array _static_array__array_ci_targets." << endl;
    }
    ifstream f_static_array__array_cuba_v;
    f_static_array__array_cuba_v.open("static_arrays/_static_array__array_cuba_v", ios::in | ios::binary);
    if(f_static_array__array_cuba_v.is_open())
    {
        f_static_array__array_cuba_v.read(reinterpret_cast<char*>(_static_array__array_cuba_v), 4000*sizeof(double));
    } else
    {
        std::cout << "Error opening static array _static_array__array_cuba_v." << endl;
    }
}

void _write_arrays()
{
    using namespace brian;

    ofstream outfile__array_ce_N;
    outfile__array_ce_N.open(results_dir + "_array_ce_N_4272141718", ios::binary | ios::out);
    if(outfile__array_ce_N.is_open())
    {
        outfile__array_ce_N.write(reinterpret_cast<char*>(_array_ce_N), 1*sizeof(_array_ce_N[0]));
        outfile__array_ce_N.close();
    } else
    {
        std::cout << "Error writing output file for _array_ce_N." << endl;
    }
    ofstream outfile__array_ce_sources;
    outfile__array_ce_sources.open(results_dir + "_array_ce_sources_425430784", ios::binary | ios::out);
    if(outfile__array_ce_sources.is_open())
    {
        outfile__array_ce_sources.write(reinterpret_cast<char*>(_array_ce_sources), 256278*sizeof(_array_ce_sources[0]));
        outfile__array_ce_sources.close();
    } else
    {
        std::cout << "Error writing output file for _array_ce_sources." << endl;
    }
    ofstream outfile__array_ce_targets;
    outfile__array_ce_targets.open(results_dir + "_array_ce_targets_1682306273", ios::binary | ios::out);
    if(outfile__array_ce_targets.is_open())
    {
        outfile__array_ce_targets.write(reinterpret_cast<char*>(_array_ce_targets), 256278*sizeof(_array_ce_targets[0]));
        outfile__array_ce_targets.close();
    } else
    {
        std::cout << "Error writing output file for _array_ce_targets." << endl;
    }
    ofstream outfile__array_ci_N;
    outfile__array_ci_N.open(results_dir + "_array_ci_N_4156116210", ios::binary | ios::out);
    if(outfile__array_ci_N.is_open())
    {
        outfile__array_ci_N.write(reinterpret_cast<char*>(_array_ci_N), 1*sizeof(_array_ci_N[0]));
        outfile__array_ci_N.close();
    } else
    {
        std::cout << "Error writing output file for _array_ci_N." << endl;
    }
    ofstream outfile__array_ci_sources;
    outfile__array_ci_sources.open(results_dir + "_array_ci_sources_4285496340", ios::binary | ios::out);
    if(outfile__array_ci_sources.is_open())
    {
        outfile__array_ci_sources.write(reinterpret_cast<char*>(_array_ci_sources), 63967*sizeof(_array_ci_sources[0]));
        outfile__array_ci_sources.close();
    } else
    {
        std::cout << "Error writing output file for _array_ci_sources." << endl;
    }
    ofstream outfile__array_ci_targets;
    outfile__array_ci_targets.open(results_dir + "_array_ci_targets_2188445685", ios::binary | ios::out);
    if(outfile__array_ci_targets.is_open())
    {
        outfile__array_ci_targets.write(reinterpret_cast<char*>(_array_ci_targets), 63967*sizeof(_array_ci_targets[0]));
        outfile__array_ci_targets.close();
    } else
    {
        std::cout << "Error writing output file for _array_ci_targets." << endl;
    }
    ofstream outfile__array_cuba__spikespace;
    outfile__array_cuba__spikespace.open(results_dir + "_array_cuba__spikespace_3220747640", ios::binary | ios::out);
    if(outfile__array_cuba__spikespace.is_open())
    {
        outfile__array_cuba__spikespace.write(reinterpret_cast<char*>(_array_cuba__spikespace), 4001*sizeof(_array_cuba__spikespace[0]));
        outfile__array_cuba__spikespace.close();
    } else
    {
        std::cout << "Error writing output file for _array_cuba__spikespace." << endl;
    }
    ofstream outfile__array_cuba_ge;
    outfile__array_cuba_ge.open(results_dir + "_array_cuba_ge_33584639", ios::binary | ios::out);
    if(outfile__array_cuba_ge.is_open())
    {
        outfile__array_cuba_ge.write(reinterpret_cast<char*>(_array_cuba_ge), 4000*sizeof(_array_cuba_ge[0]));
        outfile__array_cuba_ge.close();
    } else
    {
        std::cout << "Error writing output file for _array_cuba_ge." << endl;
    }
    ofstream outfile__array_cuba_gi;
    outfile__array_cuba_gi.open(results_dir + "_array_cuba_gi_196491732", ios::binary | ios::out);
    if(outfile__array_cuba_gi.is_open())
    {
        outfile__array_cuba_gi.write(reinterpret_cast<char*>(_array_cuba_gi), 4000*sizeof(_array_cuba_gi[0]));
        outfile__array_cuba_gi.close();
    } else
    {
        std::cout << "Error writing output file for _array_cuba_gi." << endl;
    }
    ofstream outfile__array_cuba_i;
    outfile__array_cuba_i.open(results_dir + "_array_cuba_i_2234820743", ios::binary | ios::out);
    if(outfile__array_cuba_i.is_open())
    {
        outfile__array_cuba_i.write(reinterpret_cast<char*>(_array_cuba_i), 4000*sizeof(_array_cuba_i[0]));
        outfile__array_cuba_i.close();
    } else
    {
        std::cout << "Error writing output file for _array_cuba_i." << endl;
    }
    ofstream outfile__array_cuba_lastspike;
    outfile__array_cuba_lastspike.open(results_dir + "_array_cuba_lastspike_2617915750", ios::binary | ios::out);
    if(outfile__array_cuba_lastspike.is_open())
    {
        outfile__array_cuba_lastspike.write(reinterpret_cast<char*>(_array_cuba_lastspike), 4000*sizeof(_array_cuba_lastspike[0]));
        outfile__array_cuba_lastspike.close();
    } else
    {
        std::cout << "Error writing output file for _array_cuba_lastspike." << endl;
    }
    ofstream outfile__array_cuba_nev;
    outfile__array_cuba_nev.open(results_dir + "_array_cuba_nev_1236660211", ios::binary | ios::out);
    if(outfile__array_cuba_nev.is_open())
    {
        outfile__array_cuba_nev.write(reinterpret_cast<char*>(_array_cuba_nev), 4000*sizeof(_array_cuba_nev[0]));
        outfile__array_cuba_nev.close();
    } else
    {
        std::cout << "Error writing output file for _array_cuba_nev." << endl;
    }
    ofstream outfile__array_cuba_not_refractory;
    outfile__array_cuba_not_refractory.open(results_dir + "_array_cuba_not_refractory_3008047642", ios::binary | ios::out);
    if(outfile__array_cuba_not_refractory.is_open())
    {
        outfile__array_cuba_not_refractory.write(reinterpret_cast<char*>(_array_cuba_not_refractory), 4000*sizeof(_array_cuba_not_refractory[0]));
        outfile__array_cuba_not_refractory.close();
    } else
    {
        std::cout << "Error writing output file for _array_cuba_not_refractory." << endl;
    }
    ofstream outfile__array_cuba_nspk;
    outfile__array_cuba_nspk.open(results_dir + "_array_cuba_nspk_1651390800", ios::binary | ios::out);
    if(outfile__array_cuba_nspk.is_open())
    {
        outfile__array_cuba_nspk.write(reinterpret_cast<char*>(_array_cuba_nspk), 4000*sizeof(_array_cuba_nspk[0]));
        outfile__array_cuba_nspk.close();
    } else
    {
        std::cout << "Error writing output file for _array_cuba_nspk." << endl;
    }
    ofstream outfile__array_cuba_spikes__source_idx;
    outfile__array_cuba_spikes__source_idx.open(results_dir + "_array_cuba_spikes__source_idx_4124455923", ios::binary | ios::out);
    if(outfile__array_cuba_spikes__source_idx.is_open())
    {
        outfile__array_cuba_spikes__source_idx.write(reinterpret_cast<char*>(_array_cuba_spikes__source_idx), 4000*sizeof(_array_cuba_spikes__source_idx[0]));
        outfile__array_cuba_spikes__source_idx.close();
    } else
    {
        std::cout << "Error writing output file for _array_cuba_spikes__source_idx." << endl;
    }
    ofstream outfile__array_cuba_spikes_count;
    outfile__array_cuba_spikes_count.open(results_dir + "_array_cuba_spikes_count_4155886380", ios::binary | ios::out);
    if(outfile__array_cuba_spikes_count.is_open())
    {
        outfile__array_cuba_spikes_count.write(reinterpret_cast<char*>(_array_cuba_spikes_count), 4000*sizeof(_array_cuba_spikes_count[0]));
        outfile__array_cuba_spikes_count.close();
    } else
    {
        std::cout << "Error writing output file for _array_cuba_spikes_count." << endl;
    }
    ofstream outfile__array_cuba_spikes_N;
    outfile__array_cuba_spikes_N.open(results_dir + "_array_cuba_spikes_N_2646006268", ios::binary | ios::out);
    if(outfile__array_cuba_spikes_N.is_open())
    {
        outfile__array_cuba_spikes_N.write(reinterpret_cast<char*>(_array_cuba_spikes_N), 1*sizeof(_array_cuba_spikes_N[0]));
        outfile__array_cuba_spikes_N.close();
    } else
    {
        std::cout << "Error writing output file for _array_cuba_spikes_N." << endl;
    }
    ofstream outfile__array_cuba_v;
    outfile__array_cuba_v.open(results_dir + "_array_cuba_v_138192242", ios::binary | ios::out);
    if(outfile__array_cuba_v.is_open())
    {
        outfile__array_cuba_v.write(reinterpret_cast<char*>(_array_cuba_v), 4000*sizeof(_array_cuba_v[0]));
        outfile__array_cuba_v.close();
    } else
    {
        std::cout << "Error writing output file for _array_cuba_v." << endl;
    }
    ofstream outfile__array_cuba_we;
    outfile__array_cuba_we.open(results_dir + "_array_cuba_we_1220700078", ios::binary | ios::out);
    if(outfile__array_cuba_we.is_open())
    {
        outfile__array_cuba_we.write(reinterpret_cast<char*>(_array_cuba_we), 1*sizeof(_array_cuba_we[0]));
        outfile__array_cuba_we.close();
    } else
    {
        std::cout << "Error writing output file for _array_cuba_we." << endl;
    }
    ofstream outfile__array_defaultclock_dt;
    outfile__array_defaultclock_dt.open(results_dir + "_array_defaultclock_dt_1978099143", ios::binary | ios::out);
    if(outfile__array_defaultclock_dt.is_open())
    {
        outfile__array_defaultclock_dt.write(reinterpret_cast<char*>(_array_defaultclock_dt), 1*sizeof(_array_defaultclock_dt[0]));
        outfile__array_defaultclock_dt.close();
    } else
    {
        std::cout << "Error writing output file for _array_defaultclock_dt." << endl;
    }
    ofstream outfile__array_defaultclock_t;
    outfile__array_defaultclock_t.open(results_dir + "_array_defaultclock_t_2669362164", ios::binary | ios::out);
    if(outfile__array_defaultclock_t.is_open())
    {
        outfile__array_defaultclock_t.write(reinterpret_cast<char*>(_array_defaultclock_t), 1*sizeof(_array_defaultclock_t[0]));
        outfile__array_defaultclock_t.close();
    } else
    {
        std::cout << "Error writing output file for _array_defaultclock_t." << endl;
    }
    ofstream outfile__array_defaultclock_timestep;
    outfile__array_defaultclock_timestep.open(results_dir + "_array_defaultclock_timestep_144223508", ios::binary | ios::out);
    if(outfile__array_defaultclock_timestep.is_open())
    {
        outfile__array_defaultclock_timestep.write(reinterpret_cast<char*>(_array_defaultclock_timestep), 1*sizeof(_array_defaultclock_timestep[0]));
        outfile__array_defaultclock_timestep.close();
    } else
    {
        std::cout << "Error writing output file for _array_defaultclock_timestep." << endl;
    }

    ofstream outfile__dynamic_array_ce__synaptic_post;
    outfile__dynamic_array_ce__synaptic_post.open(results_dir + "_dynamic_array_ce__synaptic_post_669113778", ios::binary | ios::out);
    if(outfile__dynamic_array_ce__synaptic_post.is_open())
    {
        if (! _dynamic_array_ce__synaptic_post.empty() )
        {
            outfile__dynamic_array_ce__synaptic_post.write(reinterpret_cast<char*>(&_dynamic_array_ce__synaptic_post[0]), _dynamic_array_ce__synaptic_post.size()*sizeof(_dynamic_array_ce__synaptic_post[0]));
            outfile__dynamic_array_ce__synaptic_post.close();
        }
    } else
    {
        std::cout << "Error writing output file for _dynamic_array_ce__synaptic_post." << endl;
    }
    ofstream outfile__dynamic_array_ce__synaptic_pre;
    outfile__dynamic_array_ce__synaptic_pre.open(results_dir + "_dynamic_array_ce__synaptic_pre_3880694126", ios::binary | ios::out);
    if(outfile__dynamic_array_ce__synaptic_pre.is_open())
    {
        if (! _dynamic_array_ce__synaptic_pre.empty() )
        {
            outfile__dynamic_array_ce__synaptic_pre.write(reinterpret_cast<char*>(&_dynamic_array_ce__synaptic_pre[0]), _dynamic_array_ce__synaptic_pre.size()*sizeof(_dynamic_array_ce__synaptic_pre[0]));
            outfile__dynamic_array_ce__synaptic_pre.close();
        }
    } else
    {
        std::cout << "Error writing output file for _dynamic_array_ce__synaptic_pre." << endl;
    }
    ofstream outfile__dynamic_array_ce_delay;
    outfile__dynamic_array_ce_delay.open(results_dir + "_dynamic_array_ce_delay_4057465213", ios::binary | ios::out);
    if(outfile__dynamic_array_ce_delay.is_open())
    {
        if (! _dynamic_array_ce_delay.empty() )
        {
            outfile__dynamic_array_ce_delay.write(reinterpret_cast<char*>(&_dynamic_array_ce_delay[0]), _dynamic_array_ce_delay.size()*sizeof(_dynamic_array_ce_delay[0]));
            outfile__dynamic_array_ce_delay.close();
        }
    } else
    {
        std::cout << "Error writing output file for _dynamic_array_ce_delay." << endl;
    }
    ofstream outfile__dynamic_array_ce_N_incoming;
    outfile__dynamic_array_ce_N_incoming.open(results_dir + "_dynamic_array_ce_N_incoming_3018066792", ios::binary | ios::out);
    if(outfile__dynamic_array_ce_N_incoming.is_open())
    {
        if (! _dynamic_array_ce_N_incoming.empty() )
        {
            outfile__dynamic_array_ce_N_incoming.write(reinterpret_cast<char*>(&_dynamic_array_ce_N_incoming[0]), _dynamic_array_ce_N_incoming.size()*sizeof(_dynamic_array_ce_N_incoming[0]));
            outfile__dynamic_array_ce_N_incoming.close();
        }
    } else
    {
        std::cout << "Error writing output file for _dynamic_array_ce_N_incoming." << endl;
    }
    ofstream outfile__dynamic_array_ce_N_outgoing;
    outfile__dynamic_array_ce_N_outgoing.open(results_dir + "_dynamic_array_ce_N_outgoing_2499312562", ios::binary | ios::out);
    if(outfile__dynamic_array_ce_N_outgoing.is_open())
    {
        if (! _dynamic_array_ce_N_outgoing.empty() )
        {
            outfile__dynamic_array_ce_N_outgoing.write(reinterpret_cast<char*>(&_dynamic_array_ce_N_outgoing[0]), _dynamic_array_ce_N_outgoing.size()*sizeof(_dynamic_array_ce_N_outgoing[0]));
            outfile__dynamic_array_ce_N_outgoing.close();
        }
    } else
    {
        std::cout << "Error writing output file for _dynamic_array_ce_N_outgoing." << endl;
    }
    ofstream outfile__dynamic_array_ci__synaptic_post;
    outfile__dynamic_array_ci__synaptic_post.open(results_dir + "_dynamic_array_ci__synaptic_post_2160266874", ios::binary | ios::out);
    if(outfile__dynamic_array_ci__synaptic_post.is_open())
    {
        if (! _dynamic_array_ci__synaptic_post.empty() )
        {
            outfile__dynamic_array_ci__synaptic_post.write(reinterpret_cast<char*>(&_dynamic_array_ci__synaptic_post[0]), _dynamic_array_ci__synaptic_post.size()*sizeof(_dynamic_array_ci__synaptic_post[0]));
            outfile__dynamic_array_ci__synaptic_post.close();
        }
    } else
    {
        std::cout << "Error writing output file for _dynamic_array_ci__synaptic_post." << endl;
    }
    ofstream outfile__dynamic_array_ci__synaptic_pre;
    outfile__dynamic_array_ci__synaptic_pre.open(results_dir + "_dynamic_array_ci__synaptic_pre_2730170506", ios::binary | ios::out);
    if(outfile__dynamic_array_ci__synaptic_pre.is_open())
    {
        if (! _dynamic_array_ci__synaptic_pre.empty() )
        {
            outfile__dynamic_array_ci__synaptic_pre.write(reinterpret_cast<char*>(&_dynamic_array_ci__synaptic_pre[0]), _dynamic_array_ci__synaptic_pre.size()*sizeof(_dynamic_array_ci__synaptic_pre[0]));
            outfile__dynamic_array_ci__synaptic_pre.close();
        }
    } else
    {
        std::cout << "Error writing output file for _dynamic_array_ci__synaptic_pre." << endl;
    }
    ofstream outfile__dynamic_array_ci_delay;
    outfile__dynamic_array_ci_delay.open(results_dir + "_dynamic_array_ci_delay_913861385", ios::binary | ios::out);
    if(outfile__dynamic_array_ci_delay.is_open())
    {
        if (! _dynamic_array_ci_delay.empty() )
        {
            outfile__dynamic_array_ci_delay.write(reinterpret_cast<char*>(&_dynamic_array_ci_delay[0]), _dynamic_array_ci_delay.size()*sizeof(_dynamic_array_ci_delay[0]));
            outfile__dynamic_array_ci_delay.close();
        }
    } else
    {
        std::cout << "Error writing output file for _dynamic_array_ci_delay." << endl;
    }
    ofstream outfile__dynamic_array_ci_N_incoming;
    outfile__dynamic_array_ci_N_incoming.open(results_dir + "_dynamic_array_ci_N_incoming_3069069033", ios::binary | ios::out);
    if(outfile__dynamic_array_ci_N_incoming.is_open())
    {
        if (! _dynamic_array_ci_N_incoming.empty() )
        {
            outfile__dynamic_array_ci_N_incoming.write(reinterpret_cast<char*>(&_dynamic_array_ci_N_incoming[0]), _dynamic_array_ci_N_incoming.size()*sizeof(_dynamic_array_ci_N_incoming[0]));
            outfile__dynamic_array_ci_N_incoming.close();
        }
    } else
    {
        std::cout << "Error writing output file for _dynamic_array_ci_N_incoming." << endl;
    }
    ofstream outfile__dynamic_array_ci_N_outgoing;
    outfile__dynamic_array_ci_N_outgoing.open(results_dir + "_dynamic_array_ci_N_outgoing_2448569907", ios::binary | ios::out);
    if(outfile__dynamic_array_ci_N_outgoing.is_open())
    {
        if (! _dynamic_array_ci_N_outgoing.empty() )
        {
            outfile__dynamic_array_ci_N_outgoing.write(reinterpret_cast<char*>(&_dynamic_array_ci_N_outgoing[0]), _dynamic_array_ci_N_outgoing.size()*sizeof(_dynamic_array_ci_N_outgoing[0]));
            outfile__dynamic_array_ci_N_outgoing.close();
        }
    } else
    {
        std::cout << "Error writing output file for _dynamic_array_ci_N_outgoing." << endl;
    }
    ofstream outfile__dynamic_array_cuba_spikes_i;
    outfile__dynamic_array_cuba_spikes_i.open(results_dir + "_dynamic_array_cuba_spikes_i_2570441720", ios::binary | ios::out);
    if(outfile__dynamic_array_cuba_spikes_i.is_open())
    {
        if (! _dynamic_array_cuba_spikes_i.empty() )
        {
            outfile__dynamic_array_cuba_spikes_i.write(reinterpret_cast<char*>(&_dynamic_array_cuba_spikes_i[0]), _dynamic_array_cuba_spikes_i.size()*sizeof(_dynamic_array_cuba_spikes_i[0]));
            outfile__dynamic_array_cuba_spikes_i.close();
        }
    } else
    {
        std::cout << "Error writing output file for _dynamic_array_cuba_spikes_i." << endl;
    }
    ofstream outfile__dynamic_array_cuba_spikes_t;
    outfile__dynamic_array_cuba_spikes_t.open(results_dir + "_dynamic_array_cuba_spikes_t_4197695265", ios::binary | ios::out);
    if(outfile__dynamic_array_cuba_spikes_t.is_open())
    {
        if (! _dynamic_array_cuba_spikes_t.empty() )
        {
            outfile__dynamic_array_cuba_spikes_t.write(reinterpret_cast<char*>(&_dynamic_array_cuba_spikes_t[0]), _dynamic_array_cuba_spikes_t.size()*sizeof(_dynamic_array_cuba_spikes_t[0]));
            outfile__dynamic_array_cuba_spikes_t.close();
        }
    } else
    {
        std::cout << "Error writing output file for _dynamic_array_cuba_spikes_t." << endl;
    }

    // Write last run info to disk
    ofstream outfile_last_run_info;
    outfile_last_run_info.open(results_dir + "last_run_info.txt", ios::out);
    if(outfile_last_run_info.is_open())
    {
        outfile_last_run_info << (Network::_last_run_time) << " " << (Network::_last_run_completed_fraction) << std::endl;
        outfile_last_run_info.close();
    } else
    {
        std::cout << "Error writing last run info to file." << std::endl;
    }
}

void _dealloc_arrays()
{
    using namespace brian;


    // static arrays
    if(_static_array__array_ce_sources!=0)
    {
        delete [] _static_array__array_ce_sources;
        _static_array__array_ce_sources = 0;
    }
    if(_static_array__array_ce_targets!=0)
    {
        delete [] _static_array__array_ce_targets;
        _static_array__array_ce_targets = 0;
    }
    if(_static_array__array_ci_sources!=0)
    {
        delete [] _static_array__array_ci_sources;
        _static_array__array_ci_sources = 0;
    }
    if(_static_array__array_ci_targets!=0)
    {
        delete [] _static_array__array_ci_targets;
        _static_array__array_ci_targets = 0;
    }
    if(_static_array__array_cuba_v!=0)
    {
        delete [] _static_array__array_cuba_v;
        _static_array__array_cuba_v = 0;
    }
}

