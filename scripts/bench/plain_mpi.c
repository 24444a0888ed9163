/* The plain MPI baseline for `rlhf bench allreduce` / `rlhf bench broadcast`: the same collective
 * on a buffer of the same size, timed the same way (barrier, one untimed warm-up, the slowest
 * rank's time per run, the median over runs), with nothing around it.
 *   mpicc -O2 -o plain_mpi plain_mpi.c && mpirun -np 2 ./plain_mpi allreduce 4194304 20
 * Prints one JSON line from rank 0. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (argc != 4 || (strcmp(argv[1], "allreduce") && strcmp(argv[1], "broadcast"))) {
        if (rank == 0) fprintf(stderr, "usage: plain_mpi allreduce|broadcast FLOATS REPEATS\n");
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    int allreduce = strcmp(argv[1], "allreduce") == 0;
    long count = atol(argv[2]);
    int repeats = atoi(argv[3]);
    if (count < 1 || repeats < 1) {
        if (rank == 0) fprintf(stderr, "plain_mpi: FLOATS and REPEATS must be positive\n");
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    float *buffer = malloc(count * sizeof(float));
    double *times = malloc(repeats * sizeof(double));
    for (int run = 0; run <= repeats; run++) {
        for (long i = 0; i < count; i++) buffer[i] = (float)(rank + 1);
        MPI_Barrier(MPI_COMM_WORLD);
        double start = MPI_Wtime();
        if (allreduce) MPI_Allreduce(MPI_IN_PLACE, buffer, (int)count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        else MPI_Bcast(buffer, (int)count, MPI_FLOAT, 0, MPI_COMM_WORLD);
        double elapsed = MPI_Wtime() - start, slowest;
        MPI_Allreduce(&elapsed, &slowest, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
        if (run > 0) times[run - 1] = slowest;
    }
    float expected = allreduce ? (float)(size * (size + 1) / 2) : 1.0f;
    if (buffer[0] != expected || buffer[count - 1] != expected) {
        fprintf(stderr, "plain_mpi: rank %d: wrong result %g, expected %g\n", rank, buffer[0], expected);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    qsort(times, repeats, sizeof(double), by_value);
    double median = (times[(repeats - 1) / 2] + times[repeats / 2]) / 2;
    if (rank == 0) {
        long bytes = count * (long)sizeof(float);
        printf("{\"bench\":\"%s\",\"ranks\":%d,\"floats\":%ld,\"bytes\":%ld,\"median_s\":%.9g,"
               "\"bytes_per_s\":%.9g,\"impl\":\"plain-mpi\"}\n",
               argv[1], size, count, bytes, median, bytes / median);
    }
    free(buffer);
    free(times);
    MPI_Finalize();
    return 0;
}
