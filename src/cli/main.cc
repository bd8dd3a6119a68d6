// netkube: the command-line entry point. Subcommands: server (the control plane).
#include <cstdio>
#include <cstring>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: netkube <server|version> [flags]\n");
    return 2;
  }
  if (std::strcmp(argv[1], "version") == 0) {
    std::printf("netkube v0.1.0\n");
    return 0;
  }
  std::fprintf(stderr, "netkube: unknown command \"%s\"\n", argv[1]);
  return 2;
}
