
#ifndef _BRIAN_OBJECTS_H
#define _BRIAN_OBJECTS_H

#include "synapses_classes.h"
#include "brianlib/clocks.h"
#include "brianlib/dynamic_array.h"
#include "brianlib/stdint_compat.h"
#include "network.h"
#include<random>
#include<vector>


namespace brian {

extern std::string results_dir;

class RandomGenerator {
    private:
        std::mt19937 gen;
        double stored_gauss;
        bool has_stored_gauss = false;
    public:
        RandomGenerator() {
            seed();
        }
        void seed() {
            std::random_device rd;
            gen.seed(rd());
            has_stored_gauss = false;
        }
        void seed(unsigned long seed) {
            gen.seed(seed);
            has_stored_gauss = false;
        }
        double rand() {
            /* shifts : 67108864 = 0x4000000, 9007199254740992 = 0x20000000000000 */
            const long a = gen() >> 5;
            const long b = gen() >> 6;
            return (a * 67108864.0 + b) / 9007199254740992.0;
        }

        double randn() {
            if (has_stored_gauss) {
                const double tmp = stored_gauss;
                has_stored_gauss = false;
                return tmp;
            }
            else {
                double f, x1, x2, r2;

                do {
                    x1 = 2.0*rand() - 1.0;
                    x2 = 2.0*rand() - 1.0;
                    r2 = x1*x1 + x2*x2;
                }
                while (r2 >= 1.0 || r2 == 0.0);

                /* Box-Muller transform */
                f = sqrt(-2.0*log(r2)/r2);
                /* Keep for next call */
                stored_gauss = f*x1;
                has_stored_gauss = true;
                return f*x2;
            }
        }
};

// In OpenMP we need one state per thread
extern std::vector< RandomGenerator > _random_generators;

//////////////// clocks ///////////////////
extern Clock defaultclock;

//////////////// networks /////////////////
extern Network network;



void set_variable_by_name(std::string, std::string);

//////////////// dynamic arrays ///////////
extern std::vector<int32_t> _dynamic_array_ce__synaptic_post;
extern std::vector<int32_t> _dynamic_array_ce__synaptic_pre;
extern std::vector<double> _dynamic_array_ce_delay;
extern std::vector<int32_t> _dynamic_array_ce_N_incoming;
extern std::vector<int32_t> _dynamic_array_ce_N_outgoing;
extern std::vector<int32_t> _dynamic_array_ci__synaptic_post;
extern std::vector<int32_t> _dynamic_array_ci__synaptic_pre;
extern std::vector<double> _dynamic_array_ci_delay;
extern std::vector<int32_t> _dynamic_array_ci_N_incoming;
extern std::vector<int32_t> _dynamic_array_ci_N_outgoing;
extern std::vector<int32_t> _dynamic_array_cuba_spikes_i;
extern std::vector<double> _dynamic_array_cuba_spikes_t;

//////////////// arrays ///////////////////
extern int32_t *_array_ce_N;
extern const int _num__array_ce_N;
extern int32_t *_array_ce_sources;
extern const int _num__array_ce_sources;
extern int32_t *_array_ce_targets;
extern const int _num__array_ce_targets;
extern int32_t *_array_ci_N;
extern const int _num__array_ci_N;
extern int32_t *_array_ci_sources;
extern const int _num__array_ci_sources;
extern int32_t *_array_ci_targets;
extern const int _num__array_ci_targets;
extern int32_t *_array_cuba__spikespace;
extern const int _num__array_cuba__spikespace;
extern double *_array_cuba_ge;
extern const int _num__array_cuba_ge;
extern double *_array_cuba_gi;
extern const int _num__array_cuba_gi;
extern int32_t *_array_cuba_i;
extern const int _num__array_cuba_i;
extern double *_array_cuba_lastspike;
extern const int _num__array_cuba_lastspike;
extern double *_array_cuba_nev;
extern const int _num__array_cuba_nev;
extern char *_array_cuba_not_refractory;
extern const int _num__array_cuba_not_refractory;
extern double *_array_cuba_nspk;
extern const int _num__array_cuba_nspk;
extern int32_t *_array_cuba_spikes__source_idx;
extern const int _num__array_cuba_spikes__source_idx;
extern int32_t *_array_cuba_spikes_count;
extern const int _num__array_cuba_spikes_count;
extern int32_t *_array_cuba_spikes_N;
extern const int _num__array_cuba_spikes_N;
extern double *_array_cuba_v;
extern const int _num__array_cuba_v;
extern double *_array_cuba_we;
extern const int _num__array_cuba_we;
extern double *_array_defaultclock_dt;
extern const int _num__array_defaultclock_dt;
extern double *_array_defaultclock_t;
extern const int _num__array_defaultclock_t;
extern int64_t *_array_defaultclock_timestep;
extern const int _num__array_defaultclock_timestep;

//////////////// dynamic arrays 2d /////////

/////////////// static arrays /////////////
extern int32_t *_static_array__array_ce_sources;
extern const int _num__static_array__array_ce_sources;
extern int32_t *_static_array__array_ce_targets;
extern const int _num__static_array__array_ce_targets;
extern int32_t *_static_array__array_ci_sources;
extern const int _num__static_array__array_ci_sources;
extern int32_t *_static_array__array_ci_targets;
extern const int _num__static_array__array_ci_targets;
extern double *_static_array__array_cuba_v;
extern const int _num__static_array__array_cuba_v;

//////////////// synapses /////////////////
// ce
extern SynapticPathway ce_pre;
// ci
extern SynapticPathway ci_pre;

// Profiling information for each code object
}

void _init_arrays();
void _load_arrays();
void _write_arrays();
void _dealloc_arrays();

#endif


