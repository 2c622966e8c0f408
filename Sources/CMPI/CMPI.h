// Open MPI's C interface for Swift (NablaDistributed), found through pkg-config's `ompi`
// (Debian: libopenmpi-dev; Homebrew: open-mpi). Open MPI spells its predefined handles
// (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, …) as macros that take the address of a global, which
// Swift cannot import; these inline functions return them.
#ifndef NABLA_CMPI_H
#define NABLA_CMPI_H

#include <mpi.h>

static inline MPI_Comm nabla_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype nabla_mpi_byte(void) { return MPI_BYTE; }
static inline MPI_Datatype nabla_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype nabla_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Op nabla_mpi_sum(void) { return MPI_SUM; }
static inline MPI_Errhandler nabla_mpi_errors_return(void) { return MPI_ERRORS_RETURN; }
static inline void *nabla_mpi_in_place(void) { return MPI_IN_PLACE; }
static inline MPI_Request nabla_mpi_request_null(void) { return MPI_REQUEST_NULL; }

#endif
