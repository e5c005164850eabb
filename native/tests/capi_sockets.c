/* The library listens on nothing but its ICE sockets: no raw SCTP sockets (Debian's usrsctp
 * opens them when started with its own threads), and with bindAddress every UDP socket is on
 * 127.0.0.1. */
#define _DEFAULT_SOURCE
#include "harness.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int own_inode(unsigned long inode) {
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	char path[512], link[128];
	int found = 0;
	while ((e = readdir(d))) {
		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		ssize_t n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = 0;
		unsigned long ino;
		if (sscanf(link, "socket:[%lu]", &ino) == 1 && ino == inode)
			found = 1;
	}
	closedir(d);
	return found;
}

/* Counts this process's sockets in a /proc/net table; with check_loopback, fails on any
 * local address other than 127.0.0.1. */
static int count_sockets(const char *table, int check_loopback) {
	FILE *f = fopen(table, "r");
	if (!f)
		return 0;
	char line[512];
	int count = 0;
	fgets(line, sizeof(line), f);
	while (fgets(line, sizeof(line), f)) {
		char local[64];
		unsigned long inode = 0;
		/* sl local rem st tx:rx tr:tm retr uid timeout inode */
		if (sscanf(line, "%*s %63s %*s %*s %*s %*s %*s %*s %*s %lu", local, &inode) != 2)
			continue;
		if (!own_inode(inode))
			continue;
		count++;
		if (check_loopback && strncmp(local, "0100007F:", 9) != 0) {
			fprintf(stderr, "socket not on loopback: %s in %s\n", local, table);
			CHECK(0);
		}
	}
	fclose(f);
	return count;
}

int main(void) {
	harness_init();
	rtcPreload();
	pair_t p;
	pair_init(&p, NULL, NULL);
	int dc = rtcCreateDataChannel(p.a.pc, "s");
	channel_t *c = channel_new(dc);
	CHECK(pair_wait_connected(&p, 10));
	CHECK(channel_wait_open(c, 10));
	CHECK_EQ(count_sockets("/proc/self/net/raw", 0), 0);
	CHECK_EQ(count_sockets("/proc/self/net/raw6", 0), 0);
	CHECK_EQ(count_sockets("/proc/self/net/udp6", 0), 0);
	CHECK_EQ(count_sockets("/proc/self/net/tcp", 0), 0);
	CHECK_EQ(count_sockets("/proc/self/net/tcp6", 0), 0);
	int udp = count_sockets("/proc/self/net/udp", 1);
	CHECK(udp >= 2);
	channel_free(c);
	pair_destroy(&p);
	rtcCleanup();
	/* Deleting releases the sockets. */
	double t = now_s() + 5;
	while (count_sockets("/proc/self/net/udp", 1) > 0 && now_s() < t)
		sleep_ms(20);
	CHECK_EQ(count_sockets("/proc/self/net/udp", 1), 0);
	printf("capi_sockets: ok (%d UDP sockets while connected, all on 127.0.0.1)\n", udp);
	return 0;
}
