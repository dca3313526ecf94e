struct str {
  unsigned long len;
  char *data;
};
void start_workers(int n);
