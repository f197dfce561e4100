# freeze-probe (test/tools/freeze-probe.c) uses lib/live/freeze.c: it links libcompel too.
$(B)/test/tools/freeze-probe: LUP_LIBS += $(COMPEL_LIBS)
$(B)/test/tools/freeze-probe: | $(COMPEL_LIB)
