# lup.so, the CRIU plugin: plugin/*.c and liblup, built against the criu-plugin.h of the
# CRIU in use (CRIU_INCLUDE), installed into CRIU's plugin directory (CRIU_PLUGIN_DIR).
PLUGIN_SRCS := $(wildcard plugin/*.c)
PLUGIN_OBJS := $(patsubst %.c,$(B)/%.o,$(PLUGIN_SRCS))
PLUGIN := $(B)/plugin/lup.so

all: $(PLUGIN)
CHECK_DEPS += $(PLUGIN)
INSTALL_DEPS += install-plugin

$(PLUGIN_OBJS): LUP_CFLAGS += -I$(CRIU_INCLUDE)

# Only CR_PLUGIN_DESC is exported: CRIU exports its own protobuf descriptors with the
# same names as lup's, and lup's code must bind to lup's.
$(PLUGIN): $(PLUGIN_OBJS) $(LIBLUP) plugin/lup.map
	$(CC) $(CFLAGS) -shared -Wl,--version-script=plugin/lup.map -Wl,-z,now -o $@ \
		$(PLUGIN_OBJS) $(LIBLUP) $(LUP_LIBS)

install-plugin: $(PLUGIN)
	install -d $(DESTDIR)$(CRIU_PLUGIN_DIR)
	install -m 644 $(PLUGIN) $(DESTDIR)$(CRIU_PLUGIN_DIR)/
	install -d $(DESTDIR)$(PREFIX)/share/man/man7
	install -m 644 Documentation/lup-plugin.7 $(DESTDIR)$(PREFIX)/share/man/man7/

-include $(PLUGIN_OBJS:.o=.d)

.PHONY: install-plugin

# `lup patch` loads lup.so from CRIU's plugin directory unless told otherwise.
$(B)/imgtool/lup.o: LUP_CFLAGS += -DLUP_CRIU_PLUGIN_DIR='"$(CRIU_PLUGIN_DIR)"'
