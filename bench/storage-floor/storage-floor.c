/*
 * The least CPU and time a durable object write costs on this machine: what the file store of libs/Pacs.Storage
 * does for each blob (docs/storage.md), and nothing else. No HTTP, no DICOM, no index.
 *
 * Each of THREADS threads takes the next object number and, for an object of SIZE bytes:
 *   SHA-256 of the bytes (OpenSSL), create a temporary file beside the final name, write the bytes, fdatasync,
 *   drop the file's cached pages, close, rename to the final name without replacing, open and fsync the folder.
 * The objects spread over 256 folders, as the store's one-level layout does.
 *
 *   storage-floor ROOT SIZE COUNT THREADS
 *
 * Prints one line: objects/s and process CPU (user + system) milliseconds per object. ROOT must not exist yet.
 * Used by bench/storage-floor.sh.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *root;
static long size;
static int count;
static int next_object;

static void fail(const char *what, const char *path)
{
    fprintf(stderr, "storage-floor: %s %s: %s\n", what, path, strerror(errno));
    exit(1);
}

static void *writer(void *arg)
{
    unsigned char *bytes = malloc(size);
    if (bytes == NULL)
        fail("malloc", "");
    for (long i = 0; i < size; i++)
        bytes[i] = (unsigned char)(i * 31 + (long)arg);
    unsigned char digest[SHA256_DIGEST_LENGTH];
    char folder[4096], temp[4200], final[4200];
    for (;;)
    {
        int n = __atomic_fetch_add(&next_object, 1, __ATOMIC_RELAXED);
        if (n >= count)
            break;
        memcpy(bytes, &n, sizeof n); /* every object differs */
        SHA256(bytes, (size_t)size, digest);
        snprintf(folder, sizeof folder, "%s/%02x", root, digest[0]);
        snprintf(temp, sizeof temp, "%s/object-%d~tmp", folder, n);
        snprintf(final, sizeof final, "%s/object-%d", folder, n);
        int fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0)
            fail("open", temp);
        for (long done = 0; done < size;)
        {
            ssize_t w = pwrite(fd, bytes + done, (size_t)(size - done), done);
            if (w <= 0)
                fail("pwrite", temp);
            done += w;
        }
        if (fdatasync(fd) != 0)
            fail("fdatasync", temp);
        posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
        close(fd);
        if (renameat2(AT_FDCWD, temp, AT_FDCWD, final, RENAME_NOREPLACE) != 0)
            fail("rename", temp);
        int dir = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0 || fsync(dir) != 0)
            fail("fsync", folder);
        close(dir);
    }
    free(bytes);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 5)
    {
        fprintf(stderr, "usage: storage-floor ROOT SIZE COUNT THREADS\n");
        return 2;
    }
    root = argv[1];
    size = atol(argv[2]);
    count = atoi(argv[3]);
    int threads = atoi(argv[4]);
    if (size < 16 || count < 1 || threads < 1 || threads > 64)
    {
        fprintf(stderr, "storage-floor: SIZE >= 16, COUNT >= 1, THREADS 1 to 64\n");
        return 2;
    }
    if (mkdir(root, 0755) != 0)
        fail("mkdir", root);
    char folder[4096];
    for (int i = 0; i < 256; i++)
    {
        snprintf(folder, sizeof folder, "%s/%02x", root, i);
        if (mkdir(folder, 0755) != 0)
            fail("mkdir", folder);
    }

    struct rusage before, after;
    struct timespec start, end;
    getrusage(RUSAGE_SELF, &before);
    clock_gettime(CLOCK_MONOTONIC, &start);
    pthread_t t[64];
    for (long i = 0; i < threads; i++)
        pthread_create(&t[i], NULL, writer, (void *)i);
    for (int i = 0; i < threads; i++)
        pthread_join(t[i], NULL);
    clock_gettime(CLOCK_MONOTONIC, &end);
    getrusage(RUSAGE_SELF, &after);

    double seconds = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;
#define SECONDS(tv) ((double)(tv).tv_sec + (double)(tv).tv_usec / 1e6)
    double cpu = SECONDS(after.ru_utime) - SECONDS(before.ru_utime) + SECONDS(after.ru_stime) - SECONDS(before.ru_stime);
    printf("storage-floor size=%ld objects=%d threads=%d seconds=%.3f objects_per_second=%.0f cpu_ms_per_object=%.3f\n",
        size, count, threads, seconds, count / seconds, 1000.0 * cpu / count);
    return 0;
}
