# libkeel: the user-side runtime every user program links (libipc/src/*.c).
LIBKEEL_SRCS := $(wildcard libipc/src/*.c)
LIBKEEL_A := $(B)/user/libkeel.a
$(B)/user/obj/libipc/%: UCFLAGS += $(UNOFP_FLAGS)
$(LIBKEEL_A): $(patsubst %,$(B)/user/obj/%.o,$(LIBKEEL_SRCS))
	@mkdir -p $(dir $@)
	@$(call check_headers,$^)
	rm -f $@ && $(CROSS)ar rcs $@ $^
