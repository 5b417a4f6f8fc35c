// SPDX-License-Identifier: GPL-2.0
/*
 * zcore_emu - the classic s390 zcore debugfs interface on any architecture.
 *
 * A test instrument and demonstrator, not a dump mechanism: it serves an
 * s390 standalone dump image (4 KiB header + memory, as written by
 * zfd-mkimage or by a previous dump) through the files that an s390
 * zfcpdump kernel (<= 3.11) provides under /sys/kernel/debug/zcore/:
 *
 *   mem     the header, then the memory; seekable. Reads inside a memory
 *           hole fail with EFAULT (a read that starts in existing memory
 *           stops short at the hole). Once the HSA is released, reads of
 *           the first hsa_size bytes of memory fail with EIO and opening
 *           the file fails with ENODATA, as on the real machine.
 *   memmap  "%016llx %016llx " (start, size) records of the memory that
 *           exists, ending with a zero-size record.
 *   hsa     reads the HSA size in hex ("0" once released); writing "0"
 *           releases the HSA.
 *   reipl   writing anything restarts the kernel (the dump kernel's
 *           re-IPL).
 *
 * The image is opened lazily, at the first open of a zcore file, so the
 * module can be loaded before the disk that holds the image has appeared;
 * until the image opens, the files answer ENODEV.
 *
 * The order of events that matter to a dump tool is logged with pr_info():
 * "mem opened", "hsa released", "mem closed", "reipl requested".
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/reboot.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <asm/unaligned.h>

#define HDR_SIZE     4096ULL
#define S390_MAGIC   0xa8190173618f23fdULL
#define OFF_MAGIC    0x000
#define OFF_MEM_SIZE 0x018
#define MAX_RANGES   64
#define BOUNCE_SIZE  (256 * 1024)
#define MEMMAP_REC   34 /* "%016llx %016llx " */

static char *image;
module_param(image, charp, 0444);
MODULE_PARM_DESC(image,
		 "block device or file with the s390 dump image (header + memory)");

static unsigned long hsa_size = 32UL << 20;

/* hsa_size takes K/M/G suffixes, like the kernel's own memory parameters. */
static int hsa_size_set(const char *val, const struct kernel_param *kp)
{
	char *end;
	unsigned long long v = memparse(val, &end);

	if (end == val || (*end && *end != '\n'))
		return -EINVAL;
	*(unsigned long *)kp->arg = v;
	return 0;
}

static const struct kernel_param_ops hsa_size_ops = {
	.set = hsa_size_set,
	.get = param_get_ulong,
};
module_param_cb(hsa_size, &hsa_size_ops, &hsa_size, 0444);
MODULE_PARM_DESC(
	hsa_size,
	"bytes of memory served from the HSA (K/M/G suffixes; default 32M)");

static char *memmap;
module_param(memmap, charp, 0444);
MODULE_PARM_DESC(
	memmap,
	"memory that exists, as START-END[,START-END...] (end exclusive, K/M/G suffixes); the rest are holes");

static bool release_on_close;
module_param(release_on_close, bool, 0444);
MODULE_PARM_DESC(release_on_close,
		 "1: closing mem releases the HSA (kernels before 3.12)");

struct mem_range {
	u64 start;
	u64 end; /* exclusive */
};

/* The state of the emulated machine, guarded by lock. */
static struct {
	struct mutex lock;
	struct file *img; /* NULL until the first open */
	u64 mem_size;	  /* from the image header */
	struct mem_range ranges[MAX_RANGES];
	unsigned int nr_ranges;
	bool hsa_released;
	int last_err; /* logged once until it changes */
	unsigned int mem_users;
	u64 bytes_read; /* memory bytes served, for the log */
	struct dentry *dir;
} zc = { .lock = __MUTEX_INITIALIZER(zc.lock) };

static int parse_memmap(void)
{
	char *p = memmap;
	char *end;
	u64 start, stop;

	zc.nr_ranges = 0;
	if (!p || !*p)
		return 0;
	while (*p) {
		if (zc.nr_ranges == MAX_RANGES) {
			pr_err("memmap: more than %d ranges\n", MAX_RANGES);
			return -EINVAL;
		}
		start = memparse(p, &end);
		if (end == p || *end != '-')
			goto out_bad;
		p = end + 1;
		stop = memparse(p, &end);
		if (end == p || (*end && *end != ',') || stop <= start)
			goto out_bad;
		if (zc.nr_ranges && start < zc.ranges[zc.nr_ranges - 1].end) {
			pr_err("memmap: ranges must ascend and not overlap\n");
			return -EINVAL;
		}
		zc.ranges[zc.nr_ranges].start = start;
		zc.ranges[zc.nr_ranges].end = stop;
		zc.nr_ranges++;
		p = *end ? end + 1 : end;
	}
	return 0;
out_bad:
	pr_err("memmap: cannot parse \"%s\" (want START-END[,START-END...])\n",
	       memmap);
	return -EINVAL;
}

/*
 * A dump tool polls while the disk appears: say why the image cannot be
 * used once per reason, not once per poll.
 */
#define img_err(code, fmt, ...)                     \
	do {                                        \
		if (zc.last_err != (code))          \
			pr_err(fmt, ##__VA_ARGS__); \
		zc.last_err = (code);               \
	} while (0)

/* Caller holds zc.lock. 0, or -ENODEV while the image cannot be used. */
static int image_open_locked(void)
{
	struct file *f;
	u8 *hdr;
	loff_t pos = 0, isize;
	ssize_t n;
	u64 magic, mem_size;
	unsigned int i;
	int rc;

	if (zc.img)
		return 0;
	if (!image || !*image) {
		img_err(6, "no image= given\n");
		return -ENODEV;
	}
	f = filp_open(image, O_RDONLY | O_LARGEFILE, 0);
	if (IS_ERR(f)) {
		img_err(1, "image %s not available yet (%ld)\n", image,
			PTR_ERR(f));
		return -ENODEV;
	}
	hdr = kmalloc(HDR_SIZE, GFP_KERNEL);
	if (!hdr) {
		rc = -ENOMEM;
		goto out_close;
	}
	n = kernel_read(f, hdr, HDR_SIZE, &pos);
	if (n != HDR_SIZE) {
		img_err(2, "image %s: cannot read the header (%zd)\n", image,
			n);
		rc = -ENODEV;
		goto out_free_hdr;
	}
	magic = get_unaligned_be64(hdr + OFF_MAGIC);
	mem_size = get_unaligned_be64(hdr + OFF_MEM_SIZE);
	if (magic != S390_MAGIC) {
		img_err(3, "image %s: no s390 dump header (magic %016llx)\n",
			image, magic);
		rc = -ENODEV;
		goto out_free_hdr;
	}
	/* For a block device, the mapping's host is the bdev inode. */
	isize = i_size_read(f->f_mapping->host);
	if (isize < HDR_SIZE + mem_size) {
		img_err(4,
			"image %s: %lld bytes, too small for a %llu-byte memory\n",
			image, isize, mem_size);
		rc = -ENODEV;
		goto out_free_hdr;
	}
	if (!zc.nr_ranges) {
		zc.ranges[0].start = 0;
		zc.ranges[0].end = mem_size;
		zc.nr_ranges = 1;
	}
	for (i = 0; i < zc.nr_ranges; i++) {
		if (zc.ranges[i].end > mem_size) {
			img_err(5,
				"memmap range %llx-%llx beyond memory size %llx\n",
				zc.ranges[i].start, zc.ranges[i].end, mem_size);
			rc = -ENODEV;
			goto out_free_hdr;
		}
	}
	kfree(hdr);
	zc.img = f;
	zc.mem_size = mem_size;
	pr_info("image %s: memory %llu bytes in %u range(s), hsa %lu bytes\n",
		image, mem_size, zc.nr_ranges, hsa_size);
	return 0;

out_free_hdr:
	kfree(hdr);
out_close:
	filp_close(f, NULL);
	return rc;
}

static int image_ready(void)
{
	int rc;

	mutex_lock(&zc.lock);
	rc = image_open_locked();
	mutex_unlock(&zc.lock);
	return rc;
}

static void release_hsa_locked(const char *why)
{
	if (zc.hsa_released)
		return;
	zc.hsa_released = true;
	pr_info("hsa released (%s; %llu bytes of memory read so far)\n", why,
		zc.bytes_read);
}

/* The existing range that holds addr, or NULL inside a hole. */
static const struct mem_range *range_of(u64 addr)
{
	unsigned int i;

	for (i = 0; i < zc.nr_ranges; i++)
		if (addr >= zc.ranges[i].start && addr < zc.ranges[i].end)
			return &zc.ranges[i];
	return NULL;
}

/* Copy len image bytes at pos to user space; bytes copied or -errno. */
static ssize_t copy_image(char __user *ubuf, size_t len, loff_t pos)
{
	size_t done = 0, chunk;
	ssize_t n;
	void *bounce;

	bounce = kvmalloc(min_t(size_t, len, BOUNCE_SIZE), GFP_KERNEL);
	if (!bounce)
		return -ENOMEM;
	while (done < len) {
		chunk = min_t(size_t, len - done, BOUNCE_SIZE);
		n = kernel_read(zc.img, bounce, chunk, &pos);
		if (n <= 0) {
			if (!done)
				done = n ? n : -EIO;
			break;
		}
		if (copy_to_user(ubuf + done, bounce, n)) {
			done = -EFAULT;
			break;
		}
		done += n;
		if (fatal_signal_pending(current))
			break;
	}
	kvfree(bounce);
	return done;
}

static int mem_open(struct inode *inode, struct file *file)
{
	int rc;

	mutex_lock(&zc.lock);
	rc = image_open_locked();
	if (rc)
		goto out_unlock;
	if (zc.hsa_released) {
		rc = -ENODATA;
		goto out_unlock;
	}
	zc.mem_users++;
	pr_info("mem opened\n");
out_unlock:
	mutex_unlock(&zc.lock);
	return rc;
}

static int mem_release(struct inode *inode, struct file *file)
{
	mutex_lock(&zc.lock);
	zc.mem_users--;
	pr_info("mem closed\n");
	if (release_on_close)
		release_hsa_locked("mem closed");
	mutex_unlock(&zc.lock);
	return 0;
}

static ssize_t mem_read(struct file *file, char __user *ubuf, size_t count,
			loff_t *ppos)
{
	loff_t pos = *ppos;
	u64 total = HDR_SIZE + zc.mem_size;
	const struct mem_range *r;
	u64 addr, len;
	ssize_t n;
	bool released;

	if (pos < 0)
		return -EINVAL;
	if (pos >= total || !count)
		return 0;
	len = min_t(u64, count, total - pos);
	if (pos < HDR_SIZE) {
		/* The header, never more than up to the memory. */
		len = min_t(u64, len, HDR_SIZE - pos);
		n = copy_image(ubuf, len, pos);
		goto out;
	}
	addr = pos - HDR_SIZE;
	mutex_lock(&zc.lock);
	released = zc.hsa_released;
	mutex_unlock(&zc.lock);
	if (released && addr < hsa_size)
		return -EIO;
	r = range_of(addr);
	if (!r)
		return -EFAULT;
	len = min_t(u64, len, r->end - addr);
	n = copy_image(ubuf, len, pos);
	if (n > 0) {
		mutex_lock(&zc.lock);
		zc.bytes_read += n;
		mutex_unlock(&zc.lock);
	}
out:
	if (n > 0)
		*ppos = pos + n;
	return n;
}

static loff_t mem_llseek(struct file *file, loff_t off, int whence)
{
	return generic_file_llseek_size(file, off, whence, LLONG_MAX,
					HDR_SIZE + zc.mem_size);
}

static const struct file_operations mem_fops = {
	.owner = THIS_MODULE,
	.open = mem_open,
	.release = mem_release,
	.read = mem_read,
	.llseek = mem_llseek,
};

static int memmap_open(struct inode *inode, struct file *file)
{
	char *buf;
	unsigned int i;
	int rc, len = 0;

	rc = image_ready();
	if (rc)
		return rc;
	buf = kzalloc((MAX_RANGES + 1) * MEMMAP_REC + 1, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	for (i = 0; i < zc.nr_ranges; i++)
		len += sprintf(buf + len, "%016llx %016llx ",
			       zc.ranges[i].start,
			       zc.ranges[i].end - zc.ranges[i].start);
	sprintf(buf + len, "%016llx %016llx ", 0ULL, 0ULL);
	file->private_data = buf;
	return 0;
}

static ssize_t memmap_read(struct file *file, char __user *ubuf, size_t count,
			   loff_t *ppos)
{
	const char *buf = file->private_data;

	return simple_read_from_buffer(ubuf, count, ppos, buf, strlen(buf));
}

static int memmap_release(struct inode *inode, struct file *file)
{
	kfree(file->private_data);
	return 0;
}

static const struct file_operations memmap_fops = {
	.owner = THIS_MODULE,
	.open = memmap_open,
	.read = memmap_read,
	.release = memmap_release,
	.llseek = no_llseek,
};

static int hsa_open(struct inode *inode, struct file *file)
{
	int rc = image_ready();

	return rc ? rc : nonseekable_open(inode, file);
}

static ssize_t hsa_read(struct file *file, char __user *ubuf, size_t count,
			loff_t *ppos)
{
	char str[20];
	int len;

	mutex_lock(&zc.lock);
	len = snprintf(str, sizeof(str), "%lx\n",
		       zc.hsa_released ? 0 : hsa_size);
	mutex_unlock(&zc.lock);
	return simple_read_from_buffer(ubuf, count, ppos, str, len);
}

static ssize_t hsa_write(struct file *file, const char __user *ubuf,
			 size_t count, loff_t *ppos)
{
	char str[8];
	size_t len = min(count, sizeof(str) - 1);

	if (copy_from_user(str, ubuf, len))
		return -EFAULT;
	str[len] = 0;
	if (strim(str)[0] != '0' || strim(str)[1])
		return -EINVAL;
	mutex_lock(&zc.lock);
	release_hsa_locked("0 written to hsa");
	mutex_unlock(&zc.lock);
	return count;
}

static const struct file_operations hsa_fops = {
	.owner = THIS_MODULE,
	.open = hsa_open,
	.read = hsa_read,
	.write = hsa_write,
	.llseek = no_llseek,
};

static int reipl_open(struct inode *inode, struct file *file)
{
	int rc = image_ready();

	return rc ? rc : nonseekable_open(inode, file);
}

static ssize_t reipl_write(struct file *file, const char __user *ubuf,
			   size_t count, loff_t *ppos)
{
	pr_info("reipl requested\n");
	kernel_restart(NULL);
	return count;
}

static const struct file_operations reipl_fops = {
	.owner = THIS_MODULE,
	.open = reipl_open,
	.write = reipl_write,
	.llseek = no_llseek,
};

static int __init zcore_emu_init(void)
{
	int rc;

	rc = parse_memmap();
	if (rc)
		return rc;
	zc.dir = debugfs_create_dir("zcore", NULL);
	if (IS_ERR(zc.dir)) {
		pr_err("cannot create debugfs directory zcore (%ld)\n",
		       PTR_ERR(zc.dir));
		return PTR_ERR(zc.dir);
	}
	debugfs_create_file("mem", 0400, zc.dir, NULL, &mem_fops);
	debugfs_create_file("memmap", 0400, zc.dir, NULL, &memmap_fops);
	debugfs_create_file("hsa", 0600, zc.dir, NULL, &hsa_fops);
	debugfs_create_file("reipl", 0200, zc.dir, NULL, &reipl_fops);
	pr_info("loaded: image=%s hsa_size=%lu memmap=%s release_on_close=%d\n",
		image ? image : "(none)", hsa_size, memmap ? memmap : "(all)",
		release_on_close);
	return 0;
}

static void __exit zcore_emu_exit(void)
{
	debugfs_remove_recursive(zc.dir);
	if (zc.img)
		filp_close(zc.img, NULL);
}

module_init(zcore_emu_init);
module_exit(zcore_emu_exit);

MODULE_DESCRIPTION(
	"zcore debugfs interface emulated from an s390 dump image (test instrument)");
MODULE_LICENSE("GPL");
