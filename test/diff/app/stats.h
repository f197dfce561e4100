struct sample {
	long value;
	long weight;
};
long stats_add(struct sample *s);
long stats_check(const struct sample *s);
const char *stats_label(long total);
