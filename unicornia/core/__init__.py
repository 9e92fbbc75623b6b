"""Pure logic: no discord objects, no I/O.  Everything here is unit-tested directly."""
