/* Open MPI's own allreduce figures, the peer of `nabla-bench allreduce`: for each size from 1 KB
 * to 64 MB (powers of 4), and the gradients of the digits MLP (104,488 bytes) and of W4's MLP
 * (940,584 bytes), float32 buffers summed with MPI_Allreduce in place, timed as
 * nabla-bench times it: a warm-up, then 7 rounds of K back-to-back calls (K chosen so a round
 * takes about 0.25 s), each round ended by a barrier; the median round per call. Rank 0 prints
 * one JSON line per size: time per call, the algorithm bandwidth (bytes / time) and the bus
 * bandwidth (bytes · 2(N−1)/N / time, what a ring moves through each rank's link).
 *
 * Built (mpicc -O2) and run by Benchmarks/mpi/run.py. `--nonblocking` times MPI_Iallreduce
 * followed by MPI_Test in a loop instead, as Nabla's communicator calls it. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int nonblocking = 0;

static void allreduce(float *buffer, int count) {
    if (!nonblocking) {
        MPI_Allreduce(MPI_IN_PLACE, buffer, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        return;
    }
    MPI_Request request;
    int done = 0;
    MPI_Iallreduce(MPI_IN_PLACE, buffer, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD, &request);
    while (!done) MPI_Test(&request, &done, MPI_STATUS_IGNORE);
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    for (int i = 1; i < argc; i++) if (strcmp(argv[i], "--nonblocking") == 0) nonblocking = 1;
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    long sizes[11];
    int sizeCount = 0;
    for (long bytes = 1024; bytes <= 64L << 20; bytes *= 4) sizes[sizeCount++] = bytes;
    sizes[sizeCount++] = 104488;
    sizes[sizeCount++] = 940584;
    for (int s = 0; s < sizeCount; s++) {
        long bytes = sizes[s];
        int count = (int)(bytes / sizeof(float));
        float *buffer = malloc(bytes);
        for (int i = 0; i < count; i++) buffer[i] = 0.0f;
        /* Warm up for about 0.05 s and choose K, both on rank 0's clock: every rank must make
         * the same number of calls, so rank 0 decides and broadcasts. */
        double start = MPI_Wtime();
        int calls = 0, more = 1;
        while (more) {
            allreduce(buffer, count);
            calls++;
            more = MPI_Wtime() - start < 0.05;
            MPI_Bcast(&more, 1, MPI_INT, 0, MPI_COMM_WORLD);
        }
        int k = (int)(0.25 / ((MPI_Wtime() - start) / calls));
        if (k < 1) k = 1;
        MPI_Bcast(&k, 1, MPI_INT, 0, MPI_COMM_WORLD);
        double rounds[7];
        for (int r = 0; r < 7; r++) {
            MPI_Barrier(MPI_COMM_WORLD);
            double t0 = MPI_Wtime();
            for (int j = 0; j < k; j++) allreduce(buffer, count);
            MPI_Barrier(MPI_COMM_WORLD);
            rounds[r] = (MPI_Wtime() - t0) / k;
        }
        qsort(rounds, 7, sizeof(double), compare);
        double median = rounds[3];
        if (rank == 0) {
            printf("{\"workload\": \"allreduce\", \"peer\": \"%s\", \"bytes\": %ld, \"ranks\": %d, "
                   "\"metric\": \"time_per_call\", \"value\": %.3f, \"unit\": \"us\", \"best\": %.3f, "
                   "\"rounds\": 7, \"iters\": %d, \"algbw_GBps\": %.3f, \"busbw_GBps\": %.3f}\n",
                   nonblocking ? "mpi-c-iallreduce" : "mpi-c-allreduce", bytes, size, median * 1e6, rounds[0] * 1e6, k,
                   bytes / median / 1e9, bytes * 2.0 * (size - 1) / size / median / 1e9);
            fflush(stdout);
        }
        free(buffer);
    }
    MPI_Finalize();
    return 0;
}
