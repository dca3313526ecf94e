struct seg {
  int ready;
  int count;
};
extern struct seg *Seg;
void create_shared(int id);
void serve(void);
