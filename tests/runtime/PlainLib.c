/*===- PlainLib.c - A shared object that is not a cnnc model -----*- C -*-===*/
int plain_answer(void) { return 42; }
