# Scenario targets of test/e2e/scenarios.sh, one per kind of binary, in $(B)/test/scenarios:
# scn-pie, scn-nopie, scn-static (executables holding the patched functions),
# scn-shlib + libscenario.so (the functions live in the library), scn-cxx (a C++ PIE
# with the C++ scenarios of cxx.cc besides the C ones), and
# libscenario-helper.so, "another shared library" for the dynamic ones.
SCN := test/scenarios
SCN_OUT := $(B)/test/scenarios
SCN_CFLAGS := -O2 -g -Wall -pthread -I$(SCN)
SCN_FUNCS := $(SCN)/funcs.c $(SCN)/twin.c
SCN_DEPS := $(SCN_FUNCS) $(SCN)/main.c $(SCN)/scenario.h
SCN_RPATH := -Wl,-rpath,'$$ORIGIN'
# The targets do not call the helper themselves (the patch does): keep it NEEDED.
SCN_HELPER_LIB := -L$(SCN_OUT) -Wl,--no-as-needed -lscenario-helper -Wl,--as-needed
SCN_BINS := $(addprefix $(SCN_OUT)/,scn-pie scn-nopie scn-static scn-shlib scn-cxx)
CHECK_DEPS += $(SCN_BINS)

$(SCN_OUT)/libscenario-helper.so: $(SCN)/helper.c $(SCN)/scenario.h
	@mkdir -p $(dir $@)
	$(CC) $(SCN_CFLAGS) -fPIC -shared -o $@ $<

$(SCN_OUT)/scn-pie: $(SCN_DEPS) $(SCN_OUT)/libscenario-helper.so
	$(CC) $(SCN_CFLAGS) -fPIE -pie -o $@ $(SCN)/main.c $(SCN_FUNCS) \
		$(SCN_HELPER_LIB) $(SCN_RPATH)

# The C files compiled as C (g++ would compile them as C++ even after -x c), linked by g++.
SCN_CXX_C_OBJS := $(patsubst $(SCN)/%.c,$(SCN_OUT)/cxx-%.o,$(SCN)/main.c $(SCN_FUNCS))

$(SCN_OUT)/cxx-%.o: $(SCN)/%.c $(SCN)/scenario.h
	@mkdir -p $(dir $@)
	$(CC) $(SCN_CFLAGS) -fPIE -c -o $@ $<

$(SCN_OUT)/scn-cxx: $(SCN_CXX_C_OBJS) $(SCN)/cxx.cc $(SCN)/scenario-cxx.h $(SCN_OUT)/libscenario-helper.so
	$(CXX) $(SCN_CFLAGS) -fPIE -pie -o $@ $(SCN_CXX_C_OBJS) $(SCN)/cxx.cc \
		$(SCN_HELPER_LIB) $(SCN_RPATH)

$(SCN_OUT)/scn-nopie: $(SCN_DEPS) $(SCN_OUT)/libscenario-helper.so
	$(CC) $(SCN_CFLAGS) -fno-pie -no-pie -o $@ $(SCN)/main.c $(SCN_FUNCS) \
		$(SCN_HELPER_LIB) $(SCN_RPATH)

# No shared library in a static executable: the helper is linked in.
$(SCN_OUT)/scn-static: $(SCN_DEPS) $(SCN)/helper.c
	@mkdir -p $(dir $@)
	$(CC) $(SCN_CFLAGS) -static -o $@ $(SCN)/main.c $(SCN_FUNCS) $(SCN)/helper.c

$(SCN_OUT)/libscenario.so: $(SCN_DEPS) $(SCN_OUT)/libscenario-helper.so
	$(CC) $(SCN_CFLAGS) -fPIC -shared -o $@ $(SCN_FUNCS) \
		$(SCN_HELPER_LIB) $(SCN_RPATH)

$(SCN_OUT)/scn-shlib: $(SCN_DEPS) $(SCN_OUT)/libscenario.so
	$(CC) $(SCN_CFLAGS) -o $@ $(SCN)/main.c -L$(SCN_OUT) -lscenario $(SCN_RPATH)
