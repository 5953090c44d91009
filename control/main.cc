// kbisect: the engineer's program on the control machine (see control/commands.h).
#include "control/commands.h"

int main(int argc, char** argv) { return kb::Main(argc, argv); }
