# keelctl trace's conversion to Chrome trace-event JSON on the host
# (tools/trace/trace_json.c), and trace-svg on what it writes. The QEMU
# part is in tests/system/ctl.sh. docs/management.md, "trace".
.PHONY: trace-unit
TRACE_UNIT := $(BUILD)/host/trace/test_trace_json
$(TRACE_UNIT): tests/trace/test_trace_json.c tools/trace/trace_json.c tools/trace/trace_json.h
	@mkdir -p $(dir $@)
	$(HOST_CC) $(WARN) -O2 -g -Itools tests/trace/test_trace_json.c tools/trace/trace_json.c \
		$(CFG_CHECK_PKG) -lcjson -o $@
trace-unit: $(TRACE_UNIT) $(BUILD)/host/trace-svg
	$(TRACE_UNIT)
	bash tests/trace/svg.sh $(BUILD)/host/trace-svg
TEST_TARGETS += trace-unit
