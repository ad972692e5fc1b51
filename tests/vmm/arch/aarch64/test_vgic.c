/* vgic.c: what a guest reads back from the distributor and redistributors. */
#include <string.h>

#include "aarch64_vmm.h"
#include "vmm_test.h"

static struct vgic g;

static void setup(void)
{
	vgic_init(&g, 1);
}

static uint64_t dread(uint64_t off, unsigned width)
{
	uint64_t v = 0xdead;
	ck_assert(vgic_dist_access(&g, off, width, false, &v));
	return v;
}

static void dwrite(uint64_t off, unsigned width, uint64_t v)
{
	ck_assert(vgic_dist_access(&g, off, width, true, &v));
}

static uint64_t rread(uint64_t off, unsigned width)
{
	uint64_t v = 0xdead;
	ck_assert(vgic_redist_access(&g, off, width, false, &v));
	return v;
}

static void rwrite(uint64_t off, unsigned width, uint64_t v)
{
	ck_assert(vgic_redist_access(&g, off, width, true, &v));
}

START_TEST(dist_ctlr_typer_ids)
{
	ck_assert_uint_eq(dread(0x0, 4), 0x50); /* ARE | DS, nothing enabled */
	dwrite(0x0, 4, 0x80000013);             /* RWP is read-only */
	ck_assert_uint_eq(dread(0x0, 4), 0x53);
	ck_assert_uint_eq(dread(0x4, 4), 9u << 19 | (VGIC_NR_IRQS / 32 - 1));
	ck_assert_uint_eq(dread(0x8, 4), 0x43b);
	ck_assert_uint_eq(dread(0xffe8, 4), 0x3b); /* PIDR2: ArchRev 3 */
	ck_assert_uint_eq(dread(0xfff0, 4), 0x0d);
	ck_assert_uint_eq(dread(0x2000, 4), 0);    /* unimplemented: RAZ */
}
END_TEST

START_TEST(redist_typer_waker)
{
	ck_assert_uint_eq(rread(0x8, 4), 1u << 4); /* Last, processor 0 */
	ck_assert_uint_eq(rread(0xc, 4), 0);       /* affinity 0.0.0.0 */
	ck_assert_uint_eq(rread(0x8, 8), 1u << 4);
	ck_assert_uint_eq(rread(0xffe8, 4), 0x3b);
	ck_assert_uint_eq(rread(0x14, 4), 0x6);    /* asleep after reset */
	rwrite(0x14, 4, rread(0x14, 4) & ~2ull);   /* clear ProcessorSleep */
	ck_assert_uint_eq(rread(0x14, 4), 0);      /* ChildrenAsleep follows */
	rwrite(0x14, 4, 0x4);                      /* ChildrenAsleep is read-only */
	ck_assert_uint_eq(rread(0x14, 4), 0);
}
END_TEST

START_TEST(two_redistributors_last_only_on_the_second)
{
	uint64_t v;
	vgic_init(&g, 2);
	ck_assert_uint_eq(rread(0x8, 4), 0);
	ck_assert_uint_eq(rread(VGIC_GICR_STRIDE + 0x8, 4), 1u << 8 | 1u << 4);
	ck_assert_uint_eq(rread(VGIC_GICR_STRIDE + 0xc, 4), 1);
	ck_assert(!vgic_redist_access(&g, 2 * VGIC_GICR_STRIDE, 4, false, &v));
}
END_TEST

START_TEST(ppi_enable_group_priority)
{
	const uint64_t sgi = 0x10000;
	ck_assert(!vgic_irq_enabled(&g, 0, 27));
	rwrite(sgi + 0x418, 4, (rread(sgi + 0x418, 4) & ~0xff000000ull) | 0xa0000000);
	rwrite(sgi + 0x80, 4, rread(sgi + 0x80, 4) | 1u << 27);
	rwrite(sgi + 0x100, 4, 1u << 27);
	ck_assert_uint_eq(rread(sgi + 0x100, 4), 1u << 27);
	ck_assert(!vgic_irq_enabled(&g, 0, 27)); /* distributor still off */
	dwrite(0x0, 4, 0x13);
	ck_assert(vgic_irq_enabled(&g, 0, 27));
	ck_assert_uint_eq(vgic_irq_priority(&g, 0, 27), 0xa0);
	ck_assert_uint_eq(rread(sgi + 0x41b, 1), 0xa0);
	rwrite(sgi + 0x41a, 1, 0x55); /* a byte write touches one INTID */
	ck_assert_uint_eq(rread(sgi + 0x418, 4), 0xa0550000);
	rwrite(sgi + 0x180, 4, 1u << 27);
	ck_assert(!vgic_irq_enabled(&g, 0, 27));
	ck_assert_uint_eq(rread(sgi + 0xc00, 4), 0xaaaaaaaa); /* SGIs: edge */
}
END_TEST

START_TEST(spi_enable_and_word0_raz)
{
	dwrite(0x0, 4, 0x2);
	dwrite(0x84, 4, 0xffffffff);   /* IGROUPR1 */
	dwrite(0x104, 4, 1u << 1);     /* ISENABLER1: 33 */
	ck_assert(vgic_irq_enabled(&g, 0, 33));
	ck_assert(!vgic_irq_enabled(&g, 0, 34));
	ck_assert_uint_eq(dread(0x184, 4), 1u << 1);
	dwrite(0x100, 4, 0xffffffff);  /* word 0 (SGIs/PPIs) belongs to the GICR */
	ck_assert_uint_eq(dread(0x100, 4), 0);
	dwrite(0x184, 2, 1u << 1);     /* ICENABLER1, a half-word */
	ck_assert(!vgic_irq_enabled(&g, 0, 33));
	ck_assert(!vgic_irq_enabled(&g, 0, VGIC_NR_IRQS));
}
END_TEST

START_TEST(irouter_and_icfgr)
{
	dwrite(0x6000 + 8 * 40, 8, 0xffffffffffffffffull);
	ck_assert_uint_eq(dread(0x6000 + 8 * 40, 8), 0xff80ffffffull);
	dwrite(0x6000 + 8 * 40 + 4, 4, 0);
	ck_assert_uint_eq(dread(0x6000 + 8 * 40, 4), 0x80ffffff);
	ck_assert_uint_eq(dread(0x6000 + 8 * 40 + 4, 4), 0);
	dwrite(0x6000 + 8 * 5, 8, 1); /* not an SPI */
	ck_assert_uint_eq(dread(0x6000 + 8 * 5, 8), 0);
	dwrite(0xc08, 4, 0xffffffff);  /* ICFGR2: only Int_config[1] bits */
	ck_assert_uint_eq(dread(0xc08, 4), 0xaaaaaaaa);
}
END_TEST

START_TEST(bad_accesses_refused)
{
	uint64_t v = 0;
	ck_assert(!vgic_dist_access(&g, 0x2, 4, false, &v));   /* unaligned */
	ck_assert(!vgic_dist_access(&g, 0x4, 8, false, &v));
	ck_assert(!vgic_dist_access(&g, 0x0, 3, false, &v));
	ck_assert(!vgic_dist_access(&g, 0x0, 16, false, &v));
	ck_assert(!vgic_dist_access(&g, VGIC_GICD_SIZE, 4, false, &v));
	ck_assert(!vgic_redist_access(&g, VGIC_GICR_STRIDE, 4, false, &v));
}
END_TEST

START_TEST(typer_counts_vcpus_and_routing_decides)
{
	vgic_init(&g, 2);
	ck_assert_uint_eq((dread(0x4, 4) >> 5) & 7, 1); /* CPUNumber: 2 PEs */
	dwrite(0x0, 4, 0x2);
	dwrite(0x84, 4, 1u << 1);
	dwrite(0x104, 4, 1u << 1);
	ck_assert(vgic_irq_enabled(&g, 0, 33));   /* IROUTER 0: vCPU 0 */
	ck_assert(!vgic_irq_enabled(&g, 1, 33));
	dwrite(0x6000 + 8 * 33, 8, 1);
	ck_assert(!vgic_irq_enabled(&g, 0, 33));
	ck_assert(vgic_irq_enabled(&g, 1, 33));
	ck_assert_uint_eq(vgic_spi_target(&g, 33), 1);
	dwrite(0x6000 + 8 * 33, 8, 0x100000001ull); /* Aff2 = 1: nobody */
	ck_assert_uint_eq(vgic_spi_target(&g, 33), VGIC_NO_CPU);
	ck_assert_uint_eq(vgic_spi_target(&g, 5), VGIC_NO_CPU);
}
END_TEST

/* ISPENDR/ICPENDR, ISACTIVER/ICACTIVER read back what the VMM knows. */
START_TEST(pending_and_active_views)
{
	const uint64_t sgi = 0x10000;
	dwrite(0x204, 4, 1u << 3);                   /* ISPENDR1: 35 */
	ck_assert_uint_eq(dread(0x284, 4), 1u << 3); /* both views */
	ck_assert(vgic_test(&g, 0, 35, VGIC_PEND));
	dwrite(0x284, 1, 1u << 3);                   /* ICPENDR1, a byte */
	ck_assert_uint_eq(dread(0x204, 4), 0);
	g.level[1] = 1u << 4;                        /* line 36 high */
	ck_assert_uint_eq(dread(0x204, 4), 1u << 4); /* level: pending */
	dwrite(0xc08, 4, 2u << 8);                   /* 36 edge: its level is no pending */
	ck_assert_uint_eq(dread(0x204, 4), 0);
	vgic_set(&g, 0, 36, VGIC_ACTIVE, true);
	ck_assert_uint_eq(dread(0x304, 4), 1u << 4);
	ck_assert_uint_eq(dread(0x384, 4), 1u << 4);
	dwrite(0x384, 4, 1u << 4);
	ck_assert_uint_eq(dread(0x304, 4), 0);
	dwrite(0x200, 4, ~0u);                       /* word 0 belongs to the GICR */
	ck_assert_uint_eq(dread(0x200, 4), 0);
	rwrite(sgi + 0x200, 4, 0x3);                 /* ISPENDR0: SGIs 0, 1 */
	ck_assert_uint_eq(rread(sgi + 0x280, 4), 0x3);
	rwrite(sgi + 0x280, 4, 0x1);
	ck_assert_uint_eq(rread(sgi + 0x200, 4), 0x2);
	ck_assert_uint_eq(dread(0x220, 4), 0);       /* beyond 256 INTIDs: RAZ */
}
END_TEST

START_TEST(igroupr_byte_writes_and_ready)
{
	dwrite(0x0, 4, 0x2);
	dwrite(0x85, 1, 0xff);       /* IGROUPR1 byte 1: INTIDs 40..47 */
	ck_assert_uint_eq(dread(0x84, 4), 0xff00);
	dwrite(0x104, 4, 0xffffffff);
	dwrite(0x204, 4, (1u << 8) | (1u << 0)); /* 40 (group 1), 32 (group 0) */
	ck_assert_uint_eq(vgic_ready(&g, 0, 1), 1u << 8);
	vgic_set(&g, 0, 40, VGIC_ACTIVE, true);  /* in flight: not again */
	ck_assert_uint_eq(vgic_ready(&g, 0, 1), 0);
}
END_TEST

Suite *suite_vgic(void)
{
	Suite *s = suite_create("vgic");
	TCase *tc = tcase_create("vgic");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, dist_ctlr_typer_ids);
	tcase_add_test(tc, redist_typer_waker);
	tcase_add_test(tc, two_redistributors_last_only_on_the_second);
	tcase_add_test(tc, ppi_enable_group_priority);
	tcase_add_test(tc, spi_enable_and_word0_raz);
	tcase_add_test(tc, irouter_and_icfgr);
	tcase_add_test(tc, bad_accesses_refused);
	tcase_add_test(tc, typer_counts_vcpus_and_routing_decides);
	tcase_add_test(tc, pending_and_active_views);
	tcase_add_test(tc, igroupr_byte_writes_and_ready);
	suite_add_tcase(s, tc);
	return s;
}
