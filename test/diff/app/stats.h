struct sample {
	long value;
	long weight;
};
long stats_add(struct sample *s);
const char *stats_label(long total);
