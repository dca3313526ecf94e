struct stats {
  long requests;
};
void start_workers(int n);
