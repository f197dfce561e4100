/* Fails: tiny() is shorter than the jump. */
void tiny(void)
{
}
