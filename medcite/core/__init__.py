"""The bottom layer: settings, errors, the disclaimer, resource files, citation keys and typed evidence.

It imports nothing else of medcite; every other layer may import it.
"""
