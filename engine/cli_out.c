/*
 * cli_out.c — the program's outputs: what a path names, same-file checks,
 * atomic replacement, and the temporary files a signal must remove.
 *
 * The decisions are taken once, before the first draw, because the costly
 * part of every command comes before its outputs are written: a name that
 * cannot work must fail in milliseconds, not after an hour of simulation.
 * Symbolic links are followed by hand (lstat/readlink), not by realpath(),
 * so that a link to a file not yet created still names where the file
 * goes. The contract is in cli_out.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* ------------------------------------------------------ temporary files */

/* Slots hold the tmp strings of open ATOMIC outputs; a slot is cleared
 * before its string is freed, so the handler never sees a freed path. */
#define MAX_TEMPS 32
static char *volatile temps[MAX_TEMPS];

void cli_temp_track(char *path)
{
    for (int i = 0; i < MAX_TEMPS; i++)
        if (temps[i] == NULL) {
            temps[i] = path;
            return;
        }
}

void cli_temp_forget(const char *path)
{
    for (int i = 0; i < MAX_TEMPS; i++)
        if (temps[i] == path)
            temps[i] = NULL;
}

void cli_out_remove_temps(void)
{
    for (int i = 0; i < MAX_TEMPS; i++) {
        char *p = temps[i];
        if (p != NULL)
            unlink(p);
    }
}

/* ---------------------------------------------------------- file ids */

static void id_from_stat(cli_file_id *id, const struct stat *st)
{
    memset(id, 0, sizeof *id);
    id->known = true;
    id->dev = st->st_dev;
    id->ino = st->st_ino;
    struct stat null;
    id->null_device = S_ISCHR(st->st_mode) && stat("/dev/null", &null) == 0 &&
                      S_ISCHR(null.st_mode) && null.st_rdev == st->st_rdev;
}

static void id_of_fd(int fd, cli_file_id *id)
{
    struct stat st;
    if (fstat(fd, &st) == 0)
        id_from_stat(id, &st);
    else
        memset(id, 0, sizeof *id);
}

bool cli_file_id_of_input(const char *path, cli_file_id *id)
{
    struct stat st;
    if (strcmp(path, "-") == 0) {
        id_of_fd(STDIN_FILENO, id);
        return id->known;
    }
    memset(id, 0, sizeof *id);
    if (stat(path, &st) != 0)
        return false;
    id_from_stat(id, &st);
    return true;
}

void cli_file_id_of_stdout(cli_file_id *id) { id_of_fd(STDOUT_FILENO, id); }

static bool same_file(const cli_file_id *a, const cli_file_id *b)
{
    return a->known && b->known && a->dev == b->dev && a->ino == b->ino &&
           strcmp(a->name, b->name) == 0 && !(a->null_device && b->null_device);
}

static void name_file(char *buf, size_t size, const cli_file *f)
{
    snprintf(buf, size, "%s%s%s", f->what, f->path[0] ? " " : "", f->path);
}

int cli_files_check(const cli_file *files, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!files[i].output)
            continue;
        for (size_t j = 0; j < n; j++) {
            if (j == i || (files[j].output && j > i) || !same_file(&files[i].id, &files[j].id))
                continue;
            char a[1024], b[1024];
            name_file(a, sizeof a, &files[i]);
            name_file(b, sizeof b, &files[j]);
            if (files[j].output)
                cli_errorf("%s and %s are the same file, expected different outputs", b, a);
            else
                cli_errorf("%s is the same file as %s, which it would overwrite: refusing", a,
                           b);
            return CLI_USAGE;
        }
    }
    return CLI_OK;
}

/* ---------------------------------------------------------- resolving */

/* The directory part of path ("." when there is none) and a pointer to
 * its last component. */
static char *split_dir(const char *path, const char **base)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL) {
        *base = path;
        return strdup(".");
    }
    *base = slash + 1;
    size_t n = slash == path ? 1 : (size_t)(slash - path);
    char *dir = malloc(n + 1);
    if (dir != NULL) {
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
    return dir;
}

/* path with every symbolic link at its end followed, as a new string;
 * *exists says whether it names something (then *st describes it).
 * NULL with errno set on failure. */
static char *follow_links(const char *path, struct stat *st, bool *exists)
{
    char *p = strdup(path);
    for (int hops = 0; p != NULL; hops++) {
        if (lstat(p, st) != 0) {
            if (errno != ENOENT) {
                free(p);
                return NULL;
            }
            *exists = false;
            return p;
        }
        if (!S_ISLNK(st->st_mode)) {
            *exists = true;
            return p;
        }
        char target[PATH_MAX];
        ssize_t n = hops < 40 ? readlink(p, target, sizeof target - 1) : -1;
        if (n < 0) {
            free(p);
            errno = hops < 40 ? errno : ELOOP;
            return NULL;
        }
        target[n] = '\0';
        const char *base;
        char *dir = target[0] == '/' ? strdup("") : split_dir(p, &base);
        size_t len = (dir ? strlen(dir) : 0) + (size_t)n + 2;
        char *next = dir != NULL ? malloc(len) : NULL;
        if (next != NULL)
            snprintf(next, len, "%s%s%s", dir, dir[0] ? "/" : "", target);
        free(dir);
        free(p);
        p = next;
    }
    errno = ENOMEM;
    return NULL;
}

/* Anything but a regular file: a directory is refused, the rest is
 * written through. */
static int resolve_special(cli_out *o, const struct stat *st)
{
    if (S_ISDIR(st->st_mode)) {
        cli_errorf("%s %s: is a directory, expected a file name", o->option, o->path);
        return CLI_USAGE;
    }
    o->kind = CLI_OUT_DIRECT;
    id_from_stat(&o->id, st);
    return CLI_OK;
}

int cli_out_resolve(cli_out *o, const char *option, const char *path)
{
    memset(o, 0, sizeof *o);
    o->option = option;
    o->path = path;
    if (path[0] == '\0') {
        cli_errorf("%s: empty file name, expected a file name or - for standard output", option);
        return CLI_USAGE;
    }
    if (strcmp(path, "-") == 0) {
        o->kind = CLI_OUT_STDOUT;
        cli_file_id_of_stdout(&o->id);
        return CLI_OK;
    }
    struct stat st;
    bool exists = false;
    /* The kernel follows links first: /dev/stdout and /proc/self/fd/N
     * name a pipe or a terminal by a target that is no path. */
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
        return resolve_special(o, &st);
    char *p = follow_links(path, &st, &exists);
    if (p == NULL) {
        cli_errorf("%s: cannot create: %s", path, strerror(errno));
        return CLI_FAIL;
    }
    if (exists && !S_ISREG(st.st_mode)) {
        free(p);
        return resolve_special(o, &st);
    }
    const char *base = NULL;
    char *dir = split_dir(p, &base);
    struct stat ds;
    int status = CLI_OK;
    if (dir == NULL) {
        cli_errorf("out of memory");
        status = CLI_FAIL;
    } else if (base[0] == '\0') {
        cli_errorf("%s %s: names a directory, expected a file name", option, path);
        status = CLI_USAGE;
    } else if (strlen(base) > NAME_MAX) {
        cli_errorf("%s: cannot create: %s", path, strerror(ENAMETOOLONG));
        status = CLI_FAIL;
    } else if (stat(dir, &ds) != 0 || access(dir, W_OK | X_OK) != 0) {
        cli_errorf("%s: cannot create: %s", path, strerror(errno));
        status = CLI_FAIL;
    } else if (exists) {
        id_from_stat(&o->id, &st);
    } else {
        id_from_stat(&o->id, &ds);
        o->id.null_device = false;
        snprintf(o->id.name, sizeof o->id.name, "%s", base);
    }
    free(dir);
    if (status != CLI_OK) {
        free(p);
        return status;
    }
    o->kind = CLI_OUT_ATOMIC;
    o->dest = p;
    return CLI_OK;
}

cli_file cli_out_file(const cli_out *o)
{
    cli_file f = {.what = o->option, .path = o->path, .output = true, .id = o->id};
    return f;
}

/* ------------------------------------------------------------ writing */

mode_t cli_file_mode(void)
{
    mode_t mask = umask(0);
    umask(mask);
    return 0666 & ~mask;
}

bool cli_out_open(cli_out *o)
{
    if (o->kind == CLI_OUT_STDOUT) {
        o->fp = stdout;
        return true;
    }
    if (o->kind == CLI_OUT_DIRECT) {
        if ((o->fp = fopen(o->path, "w")) == NULL) {
            cli_errorf("%s: cannot open: %s", o->path, strerror(errno));
            return false;
        }
        return true;
    }
    /* Same directory as the target, so rename() is atomic. */
    size_t n = strlen(o->dest) + sizeof ".tmpXXXXXX";
    if ((o->tmp = malloc(n)) == NULL) {
        cli_errorf("%s: out of memory", o->path);
        return false;
    }
    snprintf(o->tmp, n, "%s.tmpXXXXXX", o->dest);
    int fd = mkstemp(o->tmp);
    if (fd < 0) {
        cli_errorf("%s: cannot create: %s", o->path, strerror(errno));
        free(o->tmp);
        o->tmp = NULL;
        return false;
    }
    cli_temp_track(o->tmp);
    if (fchmod(fd, cli_file_mode()) != 0 || (o->fp = fdopen(fd, "w")) == NULL) {
        cli_errorf("%s: cannot open: %s", o->path, strerror(errno));
        close(fd);
        cli_out_abort(o);
        return false;
    }
    return true;
}

static void release(cli_out *o)
{
    if (o->tmp != NULL) {
        cli_temp_forget(o->tmp);
        free(o->tmp);
    }
    free(o->dest);
    o->tmp = o->dest = NULL;
    o->fp = NULL;
}

bool cli_out_commit(cli_out *o)
{
    if (o->fp == stdout) {
        o->fp = NULL;
        if (fflush(stdout) != 0 || ferror(stdout)) {
            cli_errorf("error writing standard output: %s", strerror(errno));
            return false;
        }
        return true;
    }
    const char *what = NULL;
    int e = 0;
    bool atomic = o->tmp != NULL;
    if (fflush(o->fp) != 0 || ferror(o->fp)) {
        what = "write failed";
        e = errno;
    } else if (atomic && fsync(fileno(o->fp)) != 0 && errno != EINVAL) {
        what = "write failed";
        e = errno;
    }
    if (fclose(o->fp) != 0 && what == NULL) {
        what = "write failed";
        e = errno;
    }
    o->fp = NULL;
    if (what == NULL && atomic && rename(o->tmp, o->dest) != 0) {
        what = "cannot rename into place";
        e = errno;
    }
    if (what != NULL) {
        cli_errorf("%s: %s: %s", o->path, what, strerror(e ? e : EIO));
        cli_out_abort(o);
        return false;
    }
    release(o);
    return true;
}

void cli_out_abort(cli_out *o)
{
    if (o->fp != NULL && o->fp != stdout)
        fclose(o->fp);
    o->fp = NULL;
    if (o->tmp != NULL)
        unlink(o->tmp);
    release(o);
}

int cli_out_resolve_against(cli_out *o, const char *option, const char *path,
                            char *const *inputs, size_t n, const char *stdout_what)
{
    int status = cli_out_resolve(o, option, path);
    if (status != CLI_OK)
        return status;
    cli_file *list = calloc(n + 2, sizeof *list);
    if (list == NULL) {
        cli_errorf("out of memory");
        return CLI_FAIL;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        list[k] = (cli_file){.what = "scenario", .path = inputs[i]};
        cli_file_id_of_input(inputs[i], &list[k++].id);
    }
    list[k++] = cli_out_file(o);
    if (stdout_what != NULL) {
        list[k] = (cli_file){.what = stdout_what, .path = "", .output = true};
        cli_file_id_of_stdout(&list[k++].id);
    }
    status = cli_files_check(list, k);
    free(list);
    return status;
}
