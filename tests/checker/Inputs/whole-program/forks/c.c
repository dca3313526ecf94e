// Nothing shared here; a third file so that every case has three.
int unused(void) { return 0; }
