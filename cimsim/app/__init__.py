"""The application layer: the ``cimsim`` command line, ``compare``, ``bench`` and shared result writing.

Dependencies point one way (``.importlinter`` at the repository root checks them):

    cimsim.app.cli                          the command line
    experiments                             one script per figure
    cimsim.app.compare, cimsim.app.bench    the main job and the speed bench
    cimsim.app.snn_rows                     the spiking network's rows of compare, seed-claims, pareto
    cimsim.app.rows, cimsim.app.results     one comparison row; provenance, atomic JSON, figure saving
    ----------------------------------------------------------------------------------------------------
    snn -> cimsim.jx -> cimsim core -> cimsim.energy   (the library: never imports anything above the line)

This package imports none of its modules: ``import cimsim.app`` costs nothing and ties nothing together.
"""
