struct region {
  void *base;
  unsigned long size;
};
int region_create(struct region *r, unsigned long size);
void start_workers(int n);
