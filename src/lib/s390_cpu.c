// SPDX-License-Identifier: GPL-2.0-or-later
/* s390x CPU state from and to the lowcore save area. */
#include "be.h"
#include "s390_cpu.h"

#define SA(field) (ZFD_S390_LC_##field - ZFD_S390_SA_OFF)

void zfd_s390_cpu_from_sa(struct zfd_s390_cpu *cpu, const uint8_t *sa)
{
	int i;

	for (i = 0; i < 16; i++) {
		cpu->fprs[i] = zfd_get_be64(sa + SA(FPRS) + 8 * i);
		cpu->gprs[i] = zfd_get_be64(sa + SA(GPRS) + 8 * i);
		cpu->acrs[i] = zfd_get_be32(sa + SA(ACRS) + 4 * i);
		cpu->crs[i] = zfd_get_be64(sa + SA(CRS) + 8 * i);
	}
	cpu->psw[0] = zfd_get_be64(sa + SA(PSW));
	cpu->psw[1] = zfd_get_be64(sa + SA(PSW) + 8);
	cpu->prefix = zfd_get_be32(sa + SA(PREFIX));
	cpu->fpc = zfd_get_be32(sa + SA(FPC));
	cpu->todpreg = zfd_get_be32(sa + SA(TODPREG));
	cpu->timer = zfd_get_be64(sa + SA(TIMER));
	cpu->todcmp = zfd_get_be64(sa + SA(TODCMP));
}

void zfd_s390_cpu_to_sa(const struct zfd_s390_cpu *cpu, uint8_t *sa)
{
	int i;

	for (i = 0; i < 16; i++) {
		zfd_put_be64(sa + SA(FPRS) + 8 * i, cpu->fprs[i]);
		zfd_put_be64(sa + SA(GPRS) + 8 * i, cpu->gprs[i]);
		zfd_put_be32(sa + SA(ACRS) + 4 * i, cpu->acrs[i]);
		zfd_put_be64(sa + SA(CRS) + 8 * i, cpu->crs[i]);
	}
	zfd_put_be64(sa + SA(PSW), cpu->psw[0]);
	zfd_put_be64(sa + SA(PSW) + 8, cpu->psw[1]);
	zfd_put_be32(sa + SA(PREFIX), cpu->prefix);
	zfd_put_be32(sa + SA(FPC), cpu->fpc);
	zfd_put_be32(sa + SA(TODPREG), cpu->todpreg);
	zfd_put_be64(sa + SA(TIMER), cpu->timer);
	zfd_put_be64(sa + SA(TODCMP), cpu->todcmp);
}
